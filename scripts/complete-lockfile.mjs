#!/usr/bin/env node
// The npm registry this project's machines reach does not serve every platform build of a package
// (e.g. @nx/nx-darwin-arm64 answers 404). `npm install` then writes a lockfile without those
// optional entries, and `npm ci` refuses it as "out of sync". This fills in, for every locked
// package, the optional platform dependencies it declares but the lockfile lacks, marked with their
// os/cpu/libc so `npm ci` skips them on any other platform, exactly as it would if they had
// resolved. Run it after `npm install` changes a package with platform builds (nx upgrades).
import { readFileSync, writeFileSync } from 'node:fs';

const PLATFORM = /-(darwin|linux|win32|freebsd|android|openbsd|sunos|aix)-(x64|arm64|arm|ia32|ppc64|s390x|riscv64|loong64)(?:-(gnu|musl|gnueabihf|msvc))?$/;
const file = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(file, 'utf8'));
let added = 0;
for (const [path, entry] of Object.entries(lock.packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const match = PLATFORM.exec(name);
    const key = `${path ? `${path}/` : ''}node_modules/${name}`;
    const hoisted = `node_modules/${name}`;
    if (!match || lock.packages[key] || lock.packages[hoisted]) continue;
    const [, os, cpu, libc] = match;
    lock.packages[hoisted] = {
      version,
      cpu: [cpu],
      os: [os],
      ...(libc === 'musl' ? { libc: ['musl'] } : libc === 'gnu' || libc === 'gnueabihf' ? { libc: ['glibc'] } : {}),
      optional: true,
    };
    added++;
  }
}
lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))));
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`complete-lockfile: added ${added} optional platform entr${added === 1 ? 'y' : 'ies'}`);
