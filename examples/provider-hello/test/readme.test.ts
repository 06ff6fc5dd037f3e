import { describeReadmeTables } from '@iris/provider-testkit';
import { helloProviderSchema } from '../src/index.js';

describeReadmeTables(new URL('../README.md', import.meta.url), { 'Group block': helloProviderSchema });
