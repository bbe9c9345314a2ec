/**
 * Does a slow disk under events.jsonl delay the stamps podchurn puts on replies? A child process
 * (bench/event-log/stamp-child.ts) receives "replies" on a Unix socket from this process, stamps each
 * on arrival and records an event per reply through the event log, as podchurn does. The gap between
 * a reply's send time and its stamp (both CLOCK_MONOTONIC) is measured for each writer on each disk:
 *
 * - writers: the old one (writeSync per event and fsyncSync once a second on the event loop, kept in
 *   bench/event-log/sync-event-log.ts as the baseline) and src/results/event-log.ts (writes and fsyncs
 *   on libuv's thread pool);
 * - disks: tmpfs, and a slow disk: an ext4 file system on a loop device whose writes the child's blkio
 *   cgroup throttles (BENCH_SLOW_DISK_IOPS write IOPS, default 10, and BENCH_SLOW_DISK_BPS bytes/s,
 *   default 256 KiB). device-mapper's delay target would do too, but this kernel has no device-mapper.
 *
 * Rounds (BENCH_ROUNDS, default 3) alternate the four combinations, BENCH_STAMP_SECONDS (default 6) each at BENCH_REPLY_RATE
 * replies/s (default 2,000). The loop device, mount, cgroup and files are removed at the end, always.
 * Needs root. Writes bench/results/event-log-slow-disk.{json,md}; exits 1 when the new writer's p99 gap
 * on the slow disk exceeds its p99 on tmpfs by more than the noise allowance (1 ms or 50 %).
 *
 *   node --import tsx bench/event-log-slow-disk.ts
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCommand } from '../src/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const seconds = Number(process.env.BENCH_STAMP_SECONDS ?? 6);
const rate = Number(process.env.BENCH_REPLY_RATE ?? 2000);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const iops = Number(process.env.BENCH_SLOW_DISK_IOPS ?? 10);
const bps = Number(process.env.BENCH_SLOW_DISK_BPS ?? 256 * 1024);
const cgroupDir = '/sys/fs/cgroup/blkio/podchurn-bench-slow-disk';
const work = mkdtempSync(join(tmpdir(), 'podchurn-bench-slow-disk-'));

async function must(command: string, args: string[]): Promise<string> {
  const result = await runCommand(command, args);
  if (result.exitCode !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout.trim();
}

interface Disk {
  name: string;
  dir: string;
  cgroupProcs: string;
}

const cleanups: (() => Promise<void>)[] = [];

async function tmpfsDisk(): Promise<Disk> {
  const dir = join(work, 'tmpfs');
  mkdirSync(dir);
  await must('mount', ['-t', 'tmpfs', '-o', 'size=256m', 'tmpfs', dir]);
  cleanups.push(async () => void (await runCommand('umount', ['-l', dir])));
  return { name: 'tmpfs', dir, cgroupProcs: '' };
}

async function slowDisk(): Promise<Disk> {
  const image = join(work, 'slow.img');
  writeFileSync(image, '');
  await must('truncate', ['-s', '512M', image]);
  const device = await must('losetup', ['--find', '--show', image]);
  cleanups.push(async () => void (await runCommand('losetup', ['-d', device])));
  await must('mkfs.ext4', ['-q', '-F', device]);
  const dir = join(work, 'slow');
  mkdirSync(dir);
  await must('mount', [device, dir]);
  cleanups.push(async () => void (await runCommand('umount', ['-l', dir])));
  const rdev = statSync(device).rdev;
  const majorMinor = `${Math.floor(rdev / 256)}:${rdev % 256}`;
  mkdirSync(cgroupDir, { recursive: true });
  cleanups.push(async () => {
    // The cgroup empties when its child exits; rmdir is refused until then.
    for (let i = 0; i < 50 && existsSync(cgroupDir); i++) {
      try {
        rmdirSync(cgroupDir);
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  });
  writeFileSync(join(cgroupDir, 'blkio.throttle.write_iops_device'), `${majorMinor} ${iops}\n`);
  writeFileSync(join(cgroupDir, 'blkio.throttle.write_bps_device'), `${majorMinor} ${bps}\n`);
  return { name: `slow disk (loop ${device}, ext4, ${iops} write IOPS, ${(bps / 1024).toFixed(0)} KiB/s)`, dir, cgroupProcs: join(cgroupDir, 'cgroup.procs') };
}

interface Sample {
  writer: string;
  disk: string;
  replies: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  over10Ms: number;
  eventsBytes: number;
  load1: number;
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

/** One child on one disk with one writer, fed `rate` replies a second for `seconds`. */
async function measure(writer: 'sync' | 'async', disk: Disk, round: number): Promise<Sample> {
  const socketPath = join(work, `reply-${writer}-${round}.sock`);
  const eventsFile = join(disk.dir, `events-${writer}-${round}.jsonl`);
  const connected = new Promise<Socket>((resolve) => {
    const server = createServer((socket) => {
      server.close();
      resolve(socket);
    });
    server.listen(socketPath);
  });
  const load1 = loadavg()[0]!;
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'bench/event-log/stamp-child.ts'), socketPath, eventsFile, writer, disk.cgroupProcs], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<void>((resolve, reject) => child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`stamp child exited ${code}`)))));
  const socket = await connected;
  socket.setNoDelay(true);
  // Replies in small bursts every millisecond, like a run's replies; each carries its send time.
  const perTick = rate / 1000;
  const total = rate * seconds;
  let sent = 0;
  let credit = 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      credit += perTick;
      while (credit >= 1 && sent < total) {
        const message = Buffer.alloc(8);
        message.writeBigInt64LE(process.hrtime.bigint());
        socket.write(message);
        credit--;
        sent++;
      }
      if (sent >= total) {
        clearInterval(timer);
        resolve();
      }
    }, 1);
  });
  socket.end();
  await exited;
  const result = JSON.parse(output) as { gapsMs: number[]; writtenBytes: number; failure: string | null };
  if (result.failure) throw new Error(`the event log failed: ${result.failure}`);
  const sorted = [...result.gapsMs].sort((a, b) => a - b);
  return {
    writer: writer === 'sync' ? 'old: writeSync + fsyncSync on the event loop' : 'new: thread-pool writes and fsyncs',
    disk: disk.name,
    replies: sorted.length,
    p50Ms: quantile(sorted, 0.5),
    p99Ms: quantile(sorted, 0.99),
    p999Ms: quantile(sorted, 0.999),
    maxMs: sorted.at(-1)!,
    over10Ms: sorted.filter((g) => g > 10).length,
    eventsBytes: result.writtenBytes,
    load1,
  };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

try {
  const disks = [await tmpfsDisk(), await slowDisk()];
  const samples: Sample[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const disk of disks) for (const writer of ['sync', 'async'] as const) samples.push(await measure(writer, disk, round));
  }
  const combos = [...new Set(samples.map((s) => `${s.writer}\u0000${s.disk}`))].map((key) => {
    const [writer, disk] = key.split('\u0000') as [string, string];
    const list = samples.filter((s) => s.writer === writer && s.disk === disk);
    return {
      writer,
      disk,
      p50Ms: median(list.map((s) => s.p50Ms)),
      p99Ms: median(list.map((s) => s.p99Ms)),
      maxMs: Math.max(...list.map((s) => s.maxMs)),
      list,
    };
  });
  const find = (writer: string, slow: boolean) => combos.find((c) => c.writer.startsWith(writer) && c.disk.startsWith('slow') === slow)!;
  const newTmpfs = find('new', false);
  const newSlow = find('new', true);
  const allowance = Math.max(1, newTmpfs.p99Ms * 0.5);
  const ok = newSlow.p99Ms <= newTmpfs.p99Ms + allowance;
  const f = (n: number) => n.toFixed(2);
  const lines = [
    '# Event-log writes and reply stamps on a slow disk',
    '',
    `Written by \`node --import tsx bench/event-log-slow-disk.ts\` (part of \`npm run bench\`) ` +
      `on ${new Date().toISOString().slice(0, 10)}. A child process stamps "replies" arriving on a Unix socket ` +
      `(${rate.toLocaleString('en')}/s for ${seconds} s, sent in 1 ms bursts) with podchurn's clock and records one event per reply (about 200 bytes) ` +
      `through the event log; the gap is the reply's send time to its stamp (CLOCK_MONOTONIC in both ` +
      `processes). ${rounds} rounds, the four combinations alternating; medians of the rounds' p50/p99, the largest max. ` +
      `Host: ${process.platform}, ${cpus().length} CPUs shared with other work (load average per sample in the JSON), Node ${process.version}.`,
    '',
    'Slow disk: an ext4 file system on a loop device, the child in a blkio cgroup throttled to ' +
      `${iops} write IOPS and ${(bps / 1024).toFixed(0)} KiB/s on that device (fsync waits for it). The loop device, mount and cgroup are removed at the end.`,
    '',
    '| writer | disk | p50 gap | p99 gap | max gap | p99 per round (load average) | replies stamped > 10 ms late, per round |',
    '|---|---|---:|---:|---:|---|---|',
    ...combos.map(
      (c) =>
        `| ${c.writer} | ${c.disk} | ${f(c.p50Ms)} ms ` +
        `| ${f(c.p99Ms)} ms | ${f(c.maxMs)} ms | ${c.list
          .map((s) => `${f(s.p99Ms)} (${s.load1.toFixed(0)})`)
          .join(', ')} | ${c.list.map((s) => s.over10Ms).join(', ')} of ${c.list[0]!.replies.toLocaleString('en')} |`,
    ),
    '',
    `New writer, slow disk vs tmpfs: p99 ${f(newSlow.p99Ms)} ` +
      `vs ${f(newTmpfs.p99Ms)} ms (allowed: + ${f(allowance)} ms of noise): ${ok ? 'no later' : 'LATER'}.`,
    '',
  ];
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(
    new URL('./results/event-log-slow-disk.json', import.meta.url),
    `${JSON.stringify({ measuredAt: new Date().toISOString(), rate, seconds, rounds, iops, bps, samples, ok }, null, 2)}\n`,
  );
  writeFileSync(new URL('./results/event-log-slow-disk.md', import.meta.url), lines.join('\n'));
  process.stdout.write(lines.join('\n'));
  process.exitCode = ok ? 0 : 1;
} finally {
  for (const cleanup of cleanups.reverse()) await cleanup().catch((error: unknown) => process.stderr.write(`cleanup: ${String(error)}\n`));
  rmSync(work, { recursive: true, force: true });
}
