package main

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/prepbot/prepbot/internal/boltstore"
	"github.com/prepbot/prepbot/internal/prep"
)

// checkLockTimeout is how long check waits for the database's lock. A
// running bot holds it for as long as it runs, so waiting longer than a
// restart's overlap only delays the message that says so.
const checkLockTimeout = time.Second

// check verifies the configured database (Store.Check) and prints a
// summary; with --repair it first rebuilds the derived indexes
// (Store.RepairIndexes) and says what it changed. A problem found is the
// command's error, so the exit code tells scripts whether the file is
// healthy.
func check(args []string, env IO) error {
	flags := newFlagSet("check")
	repair := flags.Bool("repair", false, "first rebuild the derived indexes (due times, wake-ups, the due histogram) from the card states and users, in one transaction changing only what differs, and say what changed")
	cfg, err := loadConfig(flags, checkHelp, args, env, checkSettings)
	if err != nil {
		return err
	}
	if flags.NArg() > 0 {
		return fmt.Errorf("check takes no arguments, got %q; name the database with --db or PREPBOT_DB", flags.Args())
	}
	// A new empty database is not what an operator checking a path wants
	// to hear is healthy: a missing one is refused, and named with the
	// setting that chose it.
	opts := storeOptions(cfg)
	opts.MustExist = true
	opts.LockTimeout = checkLockTimeout
	store, err := boltstore.Open(cfg.DB, opts)
	if err != nil {
		if errors.Is(err, prep.ErrLocked) {
			return fmt.Errorf("%w\nprepbot check reads the whole file and --repair rewrites its indexes: stop the running prepbot first, then run it again", err)
		}
		return err
	}
	defer store.Close()

	if *repair {
		report, err := store.RepairIndexes()
		if err != nil {
			return err
		}
		for _, skipped := range report.Skipped {
			fmt.Fprintf(env.Err, "prepbot: not repaired: %s; restore a backup\n", skipped)
		}
		if report.Changed() {
			fmt.Fprintf(env.Out, "repaired %s: %s\n", cfg.DB, report)
		} else {
			fmt.Fprintf(env.Out, "nothing to repair in %s: %s\n", cfg.DB, report)
		}
	}
	if err := store.Check(); err != nil {
		return err
	}
	n, err := store.Count()
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Out, "%s is healthy: %s, %s, %s, %s\n", cfg.DB,
		countOf(n.Users, "user", "users"), countOf(n.CardStates, "card state", "card states"),
		countOf(n.Reviews, "review", "reviews"), formatSize(n.Bytes))
	return nil
}

// countOf reads like "1 user" or "2,400 card states".
func countOf(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return withCommas(n) + " " + many
}

// withCommas writes n with a comma between each group of three digits.
func withCommas(n int) string {
	s := strconv.Itoa(n)
	sign := ""
	if n < 0 {
		sign, s = "-", s[1:]
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return sign + s
}

// formatSize writes a file size in binary units with one decimal, as
// "4.1 MiB".
func formatSize(b int64) string {
	const unit = 1024
	if b < unit {
		return fmt.Sprintf("%d bytes", b)
	}
	size, prefix := float64(b)/unit, 0
	for size >= unit && prefix < 3 {
		size /= unit
		prefix++
	}
	return fmt.Sprintf("%.1f %ciB", size, "KMGT"[prefix])
}
