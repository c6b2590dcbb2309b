package main

import (
	"os"
	"syscall"
)

// datasync flushes f's data as bbolt does on Linux: fdatasync.
func datasync(f *os.File) error { return syscall.Fdatasync(int(f.Fd())) }
