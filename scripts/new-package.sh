#!/usr/bin/env bash
# Lays out one workspace package with the repo's conventions (exports map, lib/spec tsconfigs, vitest).
# Usage: scripts/new-package.sh DIR NAME "description" [ref-dir...]
set -euo pipefail
dir=$1; name=$2; desc=$3; shift 3
mkdir -p "packages/$dir/src" "packages/$dir/test"
refs_lib=""; for r in "$@"; do refs_lib="$refs_lib{ \"path\": \"../$r/tsconfig.lib.json\" },"; done
cat > "packages/$dir/package.json" <<JSON
{
  "name": "$name",
  "version": "0.1.0",
  "description": "$desc",
  "license": "MIT",
  "type": "module",
  "main": "./dist/index.js",
  "types": "./dist/index.d.ts",
  "exports": {
    ".": {
      "@iris/source": "./src/index.ts",
      "types": "./dist/index.d.ts",
      "default": "./dist/index.js"
    },
    "./package.json": "./package.json"
  },
  "files": ["dist", "!dist/**/*.test.*", "!dist/**/*.tsbuildinfo", "README.md", "LICENSE"],
  "engines": { "node": ">=20" },
  "scripts": {
    "build": "tsc -b tsconfig.lib.json",
    "typecheck": "tsc -b tsconfig.json",
    "test": "vitest run"
  },
  "publishConfig": { "access": "public" }
}
JSON
cat > "packages/$dir/tsconfig.json" <<JSON
{
  "files": [],
  "references": [{ "path": "./tsconfig.lib.json" }, { "path": "./tsconfig.spec.json" }]
}
JSON
cat > "packages/$dir/tsconfig.lib.json" <<JSON
{
  "extends": "../../tsconfig.base.json",
  "compilerOptions": {
    "rootDir": "src",
    "outDir": "dist",
    "tsBuildInfoFile": "dist/tsconfig.lib.tsbuildinfo"
  },
  "include": ["src/**/*.ts"],
  "exclude": ["src/**/*.test.ts"],
  "references": [${refs_lib%,}]
}
JSON
cat > "packages/$dir/tsconfig.spec.json" <<JSON
{
  "extends": "../../tsconfig.base.json",
  "compilerOptions": {
    "rootDir": ".",
    "outDir": "out-tsc/spec",
    "emitDeclarationOnly": true,
    "tsBuildInfoFile": "out-tsc/spec.tsbuildinfo"
  },
  "include": ["src/**/*.test.ts", "test/**/*.ts", "vitest.config.ts"],
  "references": [{ "path": "./tsconfig.lib.json" }]
}
JSON
cat > "packages/$dir/vitest.config.ts" <<'TS'
import { defineIrisVitestConfig } from '../../vitest.shared.js';

export default defineIrisVitestConfig(import.meta.dirname);
TS
cat > "packages/$dir/README.md" <<MD
# $name

$desc
MD
cp LICENSE "packages/$dir/LICENSE"
