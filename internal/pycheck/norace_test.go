//go:build !race

package pycheck_test

const raceEnabled = false
