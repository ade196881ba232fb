/* global process, performance, URL */
// Child process of the start-up benchmark (bench/simulator.ts): runs `npim` with the arguments
// given, loading the modules as bin/npim.js does (dist/ when built from the current sources, else
// src/ through tsx), and prints one JSON line on stderr: which modules ran, and the wall and CPU
// seconds of this process (all its threads) from its start to the first image entering the
// simulated hardware, and to its end.
import { fileURLToPath } from 'node:url';
import { distIsCurrent } from '../bin/source-stamp.js';

const root = (dir) => fileURLToPath(new URL(`../${dir}`, import.meta.url));
const cpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const compiled = distIsCurrent(root('src'), root('dist'));
if (!compiled) {
  const { register } = await import('tsx/esm/api');
  register();
}
const parallel = await import(compiled ? '../dist/simulator/parallel.js' : '../src/simulator/parallel.ts');
// performance.now() counts from the start of the process.
let firstImage = null;
parallel.onFirstImage(() => (firstImage ??= { wallSeconds: performance.now() / 1000, cpuSeconds: cpuSeconds() }));
const { main } = await import(compiled ? '../dist/cli/main.js' : '../src/cli/main.ts');
const code = await main(process.argv.slice(2));
const end = { wallSeconds: performance.now() / 1000, cpuSeconds: cpuSeconds() };
process.stderr.write(`${JSON.stringify({ code, compiled, firstImage, end })}\n`);
process.exitCode = code;
