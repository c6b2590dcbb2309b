//go:build !(linux && (amd64 || arm64))

package main

import "errors"

// evict is only implemented on Linux (amd64, arm64); elsewhere the startup
// scenario's cold runs are skipped.
func evict(string) error {
	return errors.New("cannot evict files from the page cache on this system")
}
