//go:build race

package pycheck_test

// The race detector slows the Go side of every attempt down: growing the
// interpreter's memory copies it with every byte checked.
const raceEnabled = true
