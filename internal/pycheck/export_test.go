package pycheck

// ExtractPython exposes the chat-message reader to the fuzz test.
var ExtractPython = extractPython

// MarkerName and WazeroVersion expose how the cache marker is named, so
// tests can plant markers of other interpreters and wazero versions.
var (
	MarkerName    = markerName
	WazeroVersion = wazeroVersion
)
