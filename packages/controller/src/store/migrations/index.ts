import { migration0001 } from './0001-initial.js';
import { migration0002 } from './0002-slices-by-request.js';
import { migration0003 } from './0003-task-outputs.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Every migration in order. Append new numbered files; never edit an applied one. */
export const MIGRATIONS: readonly Migration[] = [migration0001, migration0002, migration0003];
