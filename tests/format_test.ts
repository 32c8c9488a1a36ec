import assert from "node:assert/strict";
import { join } from "node:path";
import { writeFileAtomic } from "../results/atomic.ts";
import { formatE8, PyFloat, pyFloatRepr, pyRepr, pyStr } from "../results/format.ts";
import { readTable, ResultTable } from "../results/table.ts";

Deno.test("pyFloatRepr matches Python 3 repr(float)", () => {
  const cases: [number, string][] = [
    [2, "2.0"],
    [0.1135, "0.1135"],
    [1e-5, "1e-05"],
    [0.0001, "0.0001"],
    [0.00012345, "0.00012345"],
    [1e16, "1e+16"],
    [1e15, "1000000000000000.0"],
    [123456789012345680, "1.2345678901234568e+17"],
    [1.5e-7, "1.5e-07"],
    [NaN, "nan"],
    [Infinity, "inf"],
    [-Infinity, "-inf"],
    [-0, "-0.0"],
    [0, "0.0"],
    [0.1, "0.1"],
    [-2.5, "-2.5"],
    [1 / 3, "0.3333333333333333"],
    [0.01, "0.01"],
    [5e-4, "0.0005"],
    [100, "100.0"],
    [123.456, "123.456"],
    [1e100, "1e+100"],
    [1.7976931348623157e308, "1.7976931348623157e+308"],
    [5e-324, "5e-324"],
    [2.2250738585072014e-308, "2.2250738585072014e-308"],
    [Math.fround(0.1), "0.10000000149011612"],
    [1e22, "1e+22"],
    [1.23e-300, "1.23e-300"],
  ];
  for (const [value, expected] of cases) assert.equal(pyFloatRepr(value), expected, `repr(${value})`);
});

Deno.test("formatE8 matches Python '%.8e' % x, ties to even", () => {
  const cases: [number, string][] = [
    [2, "2.00000000e+00"],
    [-0.1, "-1.00000000e-01"],
    [1.23456789e120, "1.23456789e+120"],
    [NaN, "nan"],
    [Infinity, "inf"],
    [-Infinity, "-inf"],
    [0, "0.00000000e+00"],
    [-0, "-0.00000000e+00"],
    [1e-5, "1.00000000e-05"],
    [123456789, "1.23456789e+08"],
    [9.999999999, "1.00000000e+01"],
    [1234567885, "1.23456788e+09"],
    [1234567895, "1.23456790e+09"],
    [-1234567885, "-1.23456788e+09"],
    [12345678.25, "1.23456782e+07"],
    [5e-324, "4.94065646e-324"],
    [1.7976931348623157e308, "1.79769313e+308"],
    [Math.fround(0.1), "1.00000001e-01"],
    [3.6055513, "3.60555130e+00"],
  ];
  for (const [value, expected] of cases) assert.equal(formatE8(value), expected, `%.8e of ${value}`);
});

Deno.test("pyStr and pyRepr of configuration values", () => {
  assert.equal(pyStr(true), "True");
  assert.equal(pyStr(false), "False");
  assert.equal(pyStr(null), "None");
  assert.equal(pyStr(5), "5");
  assert.equal(pyStr(-3), "-3");
  assert.equal(pyStr(1.5), "1.5");
  assert.equal(pyStr(new PyFloat(2)), "2.0");
  assert.equal(pyStr(new PyFloat(1e-5)), "1e-05");
  assert.equal(pyStr(NaN), "nan");
  assert.equal(pyStr(1e21), "1000000000000000000000");
  assert.equal(pyStr("all"), "all");
  assert.equal(pyRepr("all"), "'all'");
  assert.equal(pyRepr("it's"), `"it's"`);
  assert.equal(pyRepr(`a'b"c`), `'a\\'b"c'`);
  assert.equal(pyRepr("tab\tnew\nback\\"), "'tab\\tnew\\nback\\\\'");
  assert.equal(pyRepr("\x01é\u200b"), "'\\x01é\\u200b'");
  assert.equal(pyStr([1, new PyFloat(2), "x"]), "[1, 2.0, 'x']");
  assert.equal(pyStr({}), "{}");
  assert.equal(
    pyStr({ factor: new PyFloat(1.5), negative: true, target: "all", m: 5 }),
    "{'factor': 1.5, 'negative': True, 'target': 'all', 'm': 5}",
  );
  assert.equal(Number(new PyFloat(2.5)), 2.5);
});

Deno.test("ResultTable writes the reference format: header without newline, records prefixed by \\n", async () => {
  const directory = await Deno.makeTempDir();
  try {
    const path = join(directory, "eval");
    const table = await ResultTable.create(path, ["Step number", "Cross-accuracy"]);
    assert.equal(await Deno.readTextFile(path), "# Step number\tCross-accuracy");
    table.appendRows([["0", pyFloatRepr(0.1135)], ["5", "0.5"]]);
    assert.equal(await Deno.readTextFile(path), "# Step number\tCross-accuracy", "buffered until flush");
    await table.flush();
    table.appendRows([["10", "0.75"]]);
    await table.close();
    await table.close();
    assert.equal(await Deno.readTextFile(path), "# Step number\tCross-accuracy\n0\t0.1135\n5\t0.5\n10\t0.75");
    assert.deepEqual(readTable(path), {
      columns: ["Step number", "Cross-accuracy"],
      rows: [["0", "0.1135"], ["5", "0.5"], ["10", "0.75"]],
    });
    assert.throws(() => table.appendRows([["1", "2"]]), /closed/);

    const resumed = await ResultTable.create(path, ["Step number", "Cross-accuracy"], { append: true });
    resumed.appendRows([["15", "0.8"]]);
    await resumed.close();
    assert.equal(readTable(path).rows.length, 4);
    assert.equal((await Deno.readTextFile(path)).endsWith("\n15\t0.8"), true);

    await assert.rejects(ResultTable.create(path, ["Step number", "Other"], { append: true }), /header/);
    const fresh = await ResultTable.create(join(directory, "new"), ["a"], { append: true });
    await fresh.close();
    assert.equal(await Deno.readTextFile(join(directory, "new")), "# a");

    const truncated = await ResultTable.create(path, ["Step number", "Cross-accuracy"]);
    await truncated.close();
    assert.deepEqual(readTable(path), { columns: ["Step number", "Cross-accuracy"], rows: [] });
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
});

Deno.test("ResultTable rejects malformed records", async () => {
  const directory = await Deno.makeTempDir();
  try {
    const table = await ResultTable.create(join(directory, "study"), ["a", "b"]);
    assert.throws(() => table.appendRows([["1"]]), /1 fields, expected 2/);
    assert.throws(() => table.appendRows([["1", "x\ty"]]), /TAB or newline/);
    await table.close();
    await assert.rejects(ResultTable.create(join(directory, "bad"), ["a\nb"]), /TAB or newline/);
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
});

Deno.test("writeFileAtomic replaces the file and leaves no temporary file", async () => {
  const directory = await Deno.makeTempDir();
  try {
    const path = join(directory, "config.json");
    await writeFileAtomic(path, "first");
    await writeFileAtomic(path, "second ✓");
    assert.equal(await Deno.readTextFile(path), "second ✓");
    await writeFileAtomic(join(directory, "bytes"), new Uint8Array([1, 2, 3]));
    assert.deepEqual(await Deno.readFile(join(directory, "bytes")), new Uint8Array([1, 2, 3]));
    const names = [];
    for await (const entry of Deno.readDir(directory)) names.push(entry.name);
    assert.deepEqual(names.sort(), ["bytes", "config.json"]);
    await assert.rejects(writeFileAtomic(join(directory, "missing", "x"), "y"));
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
});
