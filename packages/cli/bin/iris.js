#!/usr/bin/env node
// The `iris` executable. Kept to one import so `iris --version` pays for almost nothing:
// dist/main.js answers it before loading commander, tsyringe, core or any provider.
import { main } from '../dist/main.js';

process.exitCode = await main(process.argv.slice(2));
