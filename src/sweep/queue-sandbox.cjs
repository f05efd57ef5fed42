// The file BullMQ's sandboxed child process loads for `gbm worker`: it runs the kit's TypeScript through tsx, as
// bin/gbm does, and hands BullMQ the run processor (queue-processor.ts).
require('tsx/cjs');
module.exports = require('./queue-processor.ts');
