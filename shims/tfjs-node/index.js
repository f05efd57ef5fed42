// Stand-in for @tensorflow/tfjs-node: the same API surface danfojs-node uses, from @tensorflow/tfjs.
// It registers no 'tensorflow' backend, so src/backend never mistakes it for the native binding.
module.exports = require('@tensorflow/tfjs');
