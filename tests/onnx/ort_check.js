#!/usr/bin/env node
// Loads every NAME.onnx in DIR into onnxruntime-node, feeds NAME.input.npy to its first
// input and compares the first output with NAME.wisp.npy (what Wisp computed on the same
// model): |ort - wisp| <= 1e-4 + 1e-3 * |wisp|. Prints one line per model, then "ok" when
// all match (the ctest's pass pattern). Written by ExportForOrt in onnx_exporter_test.cpp.
//   node tests/onnx/ort_check.js DIR ORT_NODE_MODULES
'use strict';
const fs = require('fs');
const path = require('path');
const [dir, modules] = process.argv.slice(2);
const ort = require(path.join(modules, 'onnxruntime-node'));

function readNpy(file) {
  const buf = fs.readFileSync(file);
  const major = buf[6];
  const hlen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const hstart = major === 1 ? 10 : 12;
  const header = buf.toString('latin1', hstart, hstart + hlen);
  if (!/'descr':\s*'<f4'/.test(header)) throw new Error(`${file}: not float32`);
  const shape = header.match(/'shape':\s*\(([^)]*)\)/)[1].split(',').map((s) => s.trim()).filter((s) => s).map(Number);
  const start = hstart + hlen;
  return { shape, data: new Float32Array(buf.buffer.slice(buf.byteOffset + start, buf.byteOffset + buf.length)) };
}

async function main() {
  const models = fs.readdirSync(dir).filter((f) => f.endsWith('.onnx')).sort();
  if (models.length === 0) throw new Error(`no .onnx files in ${dir}`);
  let bad = 0;
  for (const m of models) {
    const base = path.join(dir, m.slice(0, -5));
    try {
      const session = await ort.InferenceSession.create(path.join(dir, m));
      const x = readNpy(`${base}.input.npy`), want = readNpy(`${base}.wisp.npy`);
      const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', x.data, x.shape) };
      const got = (await session.run(feeds))[session.outputNames[0]].data;
      let worst = 0, fails = 0;
      for (let i = 0; i < want.data.length; ++i) {
        const d = Math.abs(got[i] - want.data[i]);
        worst = Math.max(worst, d);
        if (!(d <= 1e-4 + 1e-3 * Math.abs(want.data[i]))) ++fails;
      }
      if (got.length !== want.data.length) fails = Math.max(fails, 1);
      console.log(`${m}: ${fails ? 'MISMATCH' : 'match'} (max |ort - wisp| ${worst.toExponential(2)}, ${want.data.length} values)`);
      if (fails) ++bad;
    } catch (e) {
      console.log(`${m}: ERROR ${e.message}`);
      ++bad;
    }
  }
  console.log(bad ? `${bad} of ${models.length} models differ` : 'ok');
  process.exit(bad ? 1 : 0);
}
main().catch((e) => { console.error(e); process.exit(2); });
