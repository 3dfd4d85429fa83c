module.exports = eval("require")("./embedded-worker.ts");
