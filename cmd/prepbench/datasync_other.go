//go:build !linux

package main

import "os"

// datasync flushes f's data; outside Linux bbolt uses fsync, as this does.
func datasync(f *os.File) error { return f.Sync() }
