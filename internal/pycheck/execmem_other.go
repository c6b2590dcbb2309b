//go:build !linux

package pycheck

// executableMemory is checked on Linux only, where hardening that forbids
// it (systemd's MemoryDenyWriteExecute) is common; elsewhere wazero's own
// probe decides, and a refusal shows as slow attempts.
func executableMemory() error { return nil }
