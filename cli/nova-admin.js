#!/usr/bin/env node
// The `nova-admin` bin: runs the TypeScript CLI through tsx, which is a runtime dependency.
require('tsx/cjs');
require('./main.ts');
