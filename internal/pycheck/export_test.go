package pycheck

// ExtractPython exposes the chat-message reader to the fuzz test.
var ExtractPython = extractPython
