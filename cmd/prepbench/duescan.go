package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/prepbot/prepbot/internal/boltstore"
	"github.com/prepbot/prepbot/internal/prep"
)

// runDueScan times what the cron tick reads when nobody is due, and what
// one user's "what is due" reads, on cfg.scanUsers users with each card
// state count in cfg.cards, and shows with the store's index-read counter
// that both read only due entries: the figures must not grow with the cards
// stored. Each data set is measured cold (evicted from the page cache, as
// after a reboot) once, then warm, repeatedly.
func runDueScan(ctx context.Context, cfg config, out io.Writer) error {
	d, err := loadDeck(cfg.dir, "bench")
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "setup: %d users x {%s} card states each, %d due per user at t0; nobody's wake-up has come\n",
		cfg.scanUsers, joinInts(cfg.cards), cfg.scanDue)
	worst := time.Duration(0)
	for _, cards := range cfg.cards {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		path, err := studyData(cfg.dir, d, cfg.scanUsers, cards, cfg.scanDue, out)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "-- %d cards/user: %d card states, DB %.0f MiB (%.1f KiB/user)\n",
			cards, cards*cfg.scanUsers, float64(fileSize(path))/(1<<20), float64(fileSize(path))/1024/float64(cfg.scanUsers))
		if err := evict(path); err != nil {
			fmt.Fprintf(out, "   cold: skipped (%v)\n", err)
		} else {
			c, err := probeCold(ctx, path, d.lib, cfg)
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "   cold page cache, first call after open: cron tick %s; one user's due scan %s; due-cards gauge (DueCount, all users) %s\n",
				ms(c.tick), ms(c.user), ms(c.count))
		}
		if err := warm(path); err != nil {
			return err
		}
		r, err := scanWarm(ctx, path, d.lib, cfg, cards)
		if err != nil {
			return err
		}
		worst = max(worst, r.tickP99, r.userP99)
		fmt.Fprintf(out, "   warm: cron tick, Engine.Due with nobody waking (%d runs): p50 %s, p99 %s; pushes %d; wake-index entries read %d of %d\n",
			cfg.scanReps, ms(r.tickP50), ms(r.tickP99), r.pushes, r.wakeVisited, cfg.scanUsers)
		fmt.Fprintf(out, "   warm: one user's due scan, tx.Due(user, now) in a View (%d random users): p50 %s, p99 %s; yields %.1f; due-index entries read %.1f of %d\n",
			cfg.scanReps, ms(r.userP50), ms(r.userP99), r.yielded, r.userVisited, cards)
		fmt.Fprintf(out, "   warm: due-cards gauge of /metrics, Store.DueCount over all users: %s on a fresh mapping, then %s; %d due; it maps %s of the file (%.2f KiB/user)\n",
			ms(r.countFresh), ms(r.count), r.dueTotal, sizeOf(r.countRSS), float64(r.countRSS)/1024/float64(cfg.scanUsers))
	}
	fmt.Fprintf(out, "target: due scan <= 20 ms (worst warm p99 above %s): %s\n", ms(worst), verdict(worst <= 20*time.Millisecond))
	return nil
}

// warm reads the whole file, so that the warm figures do not depend on
// what the page cache happened to keep.
func warm(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := io.Copy(io.Discard, f); err != nil {
		return err
	}
	return nil
}

type coldResult struct {
	tick, user, count time.Duration
}

// probeCold times the first tick, the first user's scan and the gauge
// right after opening a file that is not in the page cache.
func probeCold(ctx context.Context, path string, lib *prep.Library, cfg config) (coldResult, error) {
	var c coldResult
	store, err := boltstore.Open(path, boltstore.Options{})
	if err != nil {
		return c, err
	}
	defer store.Close()
	eng, err := prep.NewEngine(prep.EngineConfig{Store: store, Library: lib, Now: func() time.Time { return t0 }})
	if err != nil {
		return c, err
	}
	start := time.Now()
	if _, err := eng.Due(ctx, nil); err != nil {
		return c, err
	}
	c.tick = time.Since(start)
	user := userKey(cfg.scanUsers / 2)
	start = time.Now()
	err = store.View(func(tx prep.Tx) error {
		for _, err := range tx.Due(user, t0) {
			if err != nil {
				return err
			}
		}
		return nil
	})
	c.user = time.Since(start)
	if err != nil {
		return c, err
	}
	start = time.Now()
	_, err = store.DueCount(t0)
	c.count = time.Since(start)
	return c, err
}

type scanResult struct {
	tickP50, tickP99 time.Duration
	pushes           int
	wakeVisited      int
	userP50, userP99 time.Duration
	yielded          float64
	userVisited      float64
	countFresh       time.Duration // the first DueCount on a new mapping
	count            time.Duration // the next
	countRSS         int64         // resident bytes of the database's mapping the first DueCount added
	dueTotal         int
}

func scanWarm(ctx context.Context, path string, lib *prep.Library, cfg config, cards int) (scanResult, error) {
	var r scanResult
	store, err := boltstore.Open(path, boltstore.Options{})
	if err != nil {
		return r, err
	}
	defer store.Close()
	// First, on a fresh mapping: how much of the file the gauge maps. The
	// database's own mapping is measured, not the process's file-backed
	// RSS, which also grows as the binary's code is paged in: noise beside
	// a walk of every user's index, not beside a read of a few pages.
	before, err := mappedRSS(path)
	if err != nil {
		return r, err
	}
	start := time.Now()
	r.dueTotal, err = store.DueCount(t0)
	r.countFresh = time.Since(start)
	if err != nil {
		return r, err
	}
	after, err := mappedRSS(path)
	if err != nil {
		return r, err
	}
	r.countRSS = after - before
	start = time.Now()
	if _, err := store.DueCount(t0); err != nil {
		return r, err
	}
	r.count = time.Since(start)

	// The engine only reads here: nobody is due, so Due writes nothing and
	// the cached file stays as built.
	eng, err := prep.NewEngine(prep.EngineConfig{Store: store, Library: lib, Now: func() time.Time { return t0 }})
	if err != nil {
		return r, err
	}
	var ticks []time.Duration
	for range cfg.scanReps {
		start := time.Now()
		pushes, err := eng.Due(ctx, nil)
		ticks = append(ticks, time.Since(start))
		if err != nil {
			return r, err
		}
		r.pushes += len(pushes)
	}
	slices.Sort(ticks)
	r.tickP50, r.tickP99 = percentile(ticks, 50), percentile(ticks, 99)
	r.wakeVisited, err = store.ViewIndexReads(func(tx prep.Tx) error {
		for _, err := range tx.Waking(t0) {
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return r, err
	}

	rng := rand.New(rand.NewPCG(uint64(cards), 3))
	var scans []time.Duration
	var yielded, visited int
	for range cfg.scanReps {
		user := userKey(rng.IntN(cfg.scanUsers))
		start := time.Now()
		v, err := store.ViewIndexReads(func(tx prep.Tx) error {
			for _, err := range tx.Due(user, t0) {
				if err != nil {
					return err
				}
				yielded++
			}
			return nil
		})
		scans = append(scans, time.Since(start))
		if err != nil {
			return r, err
		}
		visited += v
	}
	slices.Sort(scans)
	r.userP50, r.userP99 = percentile(scans, 50), percentile(scans, 99)
	r.yielded, r.userVisited = float64(yielded)/float64(cfg.scanReps), float64(visited)/float64(cfg.scanReps)
	return r, nil
}

// mappedRSS is how much of the file at path this process has resident
// through its mappings of it (bbolt's), from /proc/self/smaps.
func mappedRSS(path string) (int64, error) {
	abs, err := filepath.Abs(path)
	if err == nil {
		abs, err = filepath.EvalSymlinks(abs)
	}
	if err != nil {
		return 0, err
	}
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		return 0, fmt.Errorf("measure the mapped part of %s: %w", path, err)
	}
	defer f.Close()
	var total int64
	ours := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		if !strings.HasSuffix(fields[0], ":") {
			// A mapping's header: range, perms, offset, dev, inode, path.
			ours = len(fields) >= 6 && strings.Join(fields[5:], " ") == abs
			continue
		}
		if ours && fields[0] == "Rss:" && len(fields) >= 2 {
			var kb int64
			fmt.Sscan(fields[1], &kb)
			total += kb * 1024
		}
	}
	if err := sc.Err(); err != nil {
		return 0, fmt.Errorf("measure the mapped part of %s: %w", path, err)
	}
	return total, nil
}

// sizeOf writes a byte count in KiB below a MiB, else in MiB.
func sizeOf(b int64) string {
	if b < 1<<20 {
		return fmt.Sprintf("%.0f KiB", float64(b)/1024)
	}
	return fmt.Sprintf("%.1f MiB", mib(b))
}

func joinInts(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = fmt.Sprint(x)
	}
	return strings.Join(s, ", ")
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}
