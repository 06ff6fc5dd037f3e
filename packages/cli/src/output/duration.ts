// Human durations come from core, so the controller's reasons and the CLI print them alike.
export { formatElapsed } from '@iris/core';
