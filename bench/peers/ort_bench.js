#!/usr/bin/env node
// ONNX Runtime (onnxruntime-node, CPU execution provider) as a peer for `wisp bench`.
//
//   node bench/peers/ort_bench.js MODEL.onnx INPUT.npy [--threads N] [--runs N] [--warmup N]
//        [--output OUT.npy] [--json]
//
// Feeds INPUT.npy (float32, C order) to the model's first input, runs --warmup (default 5)
// untimed runs, then times --runs (default 50) runs one by one and prints the median
// latency (and min/max). --output writes the first output of the last run as .npy, for
// comparing with Wisp. Threads: intra-op --threads, inter-op 1, sequential execution, all
// graph optimizations, as onnxruntime_perf_test does with -x N -P off. The timing wraps
// the awaited session.run(), so it includes the Node binding's async hop (tens of µs).
// Peak RSS is the whole node process (process.resourceUsage().maxRSS, and VmHWM from
// /proc/self/status): ORT, the model and weights, plus the Node.js runtime (~40 MiB alone).
'use strict';
const fs = require('fs');
const path = require('path');
const ort = require(path.join(__dirname, 'node_modules', 'onnxruntime-node'));

function parseArgs(argv) {
  const a = { positional: [], threads: 1, runs: 50, warmup: 5, output: '', json: false };
  for (let i = 0; i < argv.length; ++i) {
    const k = argv[i];
    if (k === '--json') a.json = true;
    else if (['--threads', '--runs', '--warmup', '--output'].includes(k)) {
      if (i + 1 >= argv.length) throw new Error(`${k} needs a value`);
      const v = argv[++i];
      a[k.slice(2)] = k === '--output' ? v : parseInt(v, 10);
    } else if (k.startsWith('--')) throw new Error(`unknown option ${k}`);
    else a.positional.push(k);
  }
  if (a.positional.length !== 2) throw new Error('usage: ort_bench.js MODEL.onnx INPUT.npy [--threads N] [--runs N]');
  return a;
}

// .npy v1/v2/v3 reader for little-endian float32, C order.
function readNpy(file) {
  const buf = fs.readFileSync(file);
  if (buf.toString('latin1', 1, 6) !== 'NUMPY') throw new Error(`${file}: not a .npy file`);
  const major = buf[6];
  const hlen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const hstart = major === 1 ? 10 : 12;
  const header = buf.toString('latin1', hstart, hstart + hlen);
  if (!/'descr':\s*'<f4'/.test(header) || /'fortran_order':\s*True/.test(header))
    throw new Error(`${file}: only little-endian float32 in C order is supported (${header.trim()})`);
  const shape = header.match(/'shape':\s*\(([^)]*)\)/)[1].split(',').map((s) => s.trim()).filter((s) => s).map(Number);
  const start = hstart + hlen;
  const data = new Float32Array(buf.buffer.slice(buf.byteOffset + start, buf.byteOffset + buf.length));
  return { shape, data };
}

function writeNpy(file, shape, data) {
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${dims}), }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const pre = Buffer.alloc(10);
  pre.write('\x93NUMPY', 0, 'latin1');
  pre[6] = 1;
  pre[7] = 0;
  pre.writeUInt16LE(header.length, 8);
  fs.writeFileSync(file, Buffer.concat([pre, Buffer.from(header, 'latin1'),
    Buffer.from(data.buffer, data.byteOffset, data.byteLength)]));
}

// Peak resident set of this process in bytes (VmHWM), or -1 where /proc is missing.
function vmHwmBytes() {
  try {
    const m = fs.readFileSync('/proc/self/status', 'latin1').match(/^VmHWM:\s+(\d+)\s+kB/m);
    return m ? Number(m[1]) * 1024 : -1;
  } catch (e) {
    return -1;
  }
}

async function main() {
  const a = parseArgs(process.argv.slice(2));
  const [modelPath, inputPath] = a.positional;
  const t0 = process.hrtime.bigint();
  const session = await ort.InferenceSession.create(modelPath, {
    executionProviders: ['cpu'], intraOpNumThreads: a.threads, interOpNumThreads: 1,
    executionMode: 'sequential', graphOptimizationLevel: 'all',
  });
  const loadMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const x = readNpy(inputPath);
  const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', x.data, x.shape) };
  let out;
  for (let i = 0; i < a.warmup; ++i) out = await session.run(feeds);
  const lat = [];
  for (let i = 0; i < a.runs; ++i) {
    const s = process.hrtime.bigint();
    out = await session.run(feeds);
    lat.push(Number(process.hrtime.bigint() - s) / 1e6);
  }
  lat.sort((p, q) => p - q);
  const n = lat.length;
  const median = n % 2 ? lat[(n - 1) / 2] : 0.5 * (lat[n / 2 - 1] + lat[n / 2]);
  const y = out[session.outputNames[0]];
  if (a.output) writeNpy(a.output, y.dims, y.data);
  const result = { engine: 'onnxruntime-node', version: require(path.join(__dirname, 'node_modules', 'onnxruntime-node',
    'package.json')).version, model: modelPath, threads: a.threads, runs: a.runs, load_ms: loadMs,
    latency_ms: { min: lat[0], median, max: lat[n - 1] }, output: a.output || null, output_shape: y.dims,
    peak_rss_bytes: process.resourceUsage().maxRSS * 1024, vm_hwm_bytes: vmHwmBytes() };
  if (a.json) console.log(JSON.stringify(result));
  else console.log(`onnxruntime-node ${result.version}  ${modelPath}  threads ${a.threads}  median ${median.toFixed(3)} ms` +
    `  (min ${lat[0].toFixed(3)}, max ${lat[n - 1].toFixed(3)}, ${n} runs)` +
    `  peak RSS ${(result.peak_rss_bytes / 1048576).toFixed(2)} MiB (VmHWM ${(result.vm_hwm_bytes / 1048576).toFixed(2)} MiB)`);
}

main().catch((e) => { console.error(`ort_bench: ${e.message}`); process.exit(1); });
