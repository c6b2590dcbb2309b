package main

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The disk scenario asks what a commit's cost follows on this disk, apart
// from the bot: the number of pages, their size, the freelist's type, or
// where the pages land in the file. Its rows are the probes behind
// docs/PERFORMANCE.md's fifth round.

// diskBlocks is the bot's pages per commit at 500 updates/s (updates
// scenario: ~21), for the raw-write probes.
const diskBlocks = 21

// diskCell is how long each probe runs.
const diskCell = 3 * time.Second

func runDisk(ctx context.Context, cfg config, out io.Writer) error {
	fmt.Fprintf(out, "each probe runs %v on %s\n", diskCell, diskNote(cfg.workDir))
	fmt.Fprintf(out, "\n-- raw writes: %d blocks of 4 KiB, fdatasync, then block 0 rewritten, fdatasync (bbolt's pattern: pages, then meta)\n", diskBlocks)
	for _, layout := range []string{"scattered", "side by side", "one write"} {
		lat, err := rawWrites(ctx, filepath.Join(cfg.workDir, "disk-raw.bin"), layout)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "%-13s p50 %s  p99 %s  (%d commits)\n", layout+":", ms(percentile(lat, 50)), ms(percentile(lat, 99)), len(lat))
	}
	fmt.Fprintln(out, "\n-- bbolt commits: a random put in each of N buckets of 20,000 keys, sequential Update")
	for _, p := range []struct {
		buckets  int
		pageSize int
		freelist bolt.FreelistType
	}{
		{1, 4096, bolt.FreelistArrayType},
		{5, 4096, bolt.FreelistArrayType},
		{20, 4096, bolt.FreelistArrayType},
		{5, 1024, bolt.FreelistArrayType},
		{5, 4096, bolt.FreelistMapType},
	} {
		lat, pages, err := boltCommits(ctx, filepath.Join(cfg.workDir, "disk-bolt.db"), p.buckets, p.pageSize, p.freelist)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "%2d buckets, %d-byte pages, %-7s freelist: %4.1f pages/commit  p50 %s  p99 %s  (%d commits)\n",
			p.buckets, p.pageSize, p.freelist, pages, ms(percentile(lat, 50)), ms(percentile(lat, 99)), len(lat))
	}
	return nil
}

// rawWrites times bbolt's write pattern with its pages placed as layout
// says, in a 100 MiB file.
func rawWrites(ctx context.Context, path, layout string) ([]time.Duration, error) {
	const blocks = 25600
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, err
	}
	defer os.Remove(path)
	defer f.Close()
	// A written file, not a sparse one: the probes overwrite blocks as
	// bbolt does.
	zero := make([]byte, 1<<20)
	for off := int64(0); off < blocks*4096; off += int64(len(zero)) {
		if _, err := f.WriteAt(zero, off); err != nil {
			return nil, err
		}
	}
	if err := f.Sync(); err != nil {
		return nil, err
	}
	page := make([]byte, 4096*diskBlocks)
	var lat []time.Duration
	for end := time.Now().Add(diskCell); time.Now().Before(end) && ctx.Err() == nil; {
		start := time.Now()
		base := 1 + rand.IntN(blocks-diskBlocks-1)
		var err error
		switch layout {
		case "scattered":
			for range diskBlocks {
				if _, err = f.WriteAt(page[:4096], int64(1+rand.IntN(blocks-1))*4096); err != nil {
					break
				}
			}
		case "side by side":
			for i := range diskBlocks {
				if _, err = f.WriteAt(page[:4096], int64(base+i)*4096); err != nil {
					break
				}
			}
		default:
			_, err = f.WriteAt(page, int64(base)*4096)
		}
		if err == nil {
			err = datasync(f)
		}
		if err == nil {
			_, err = f.WriteAt(page[:4096], 0)
		}
		if err == nil {
			err = datasync(f)
		}
		if err != nil {
			return nil, fmt.Errorf("raw writes to %s: %w", path, err)
		}
		lat = append(lat, time.Since(start))
	}
	slices.Sort(lat)
	return lat, ctx.Err()
}

// boltCommits times commits that each put one random key in each of n
// buckets of a fresh database with the given page size and freelist, and
// returns the latencies and the pages written per commit.
func boltCommits(ctx context.Context, path string, n, pageSize int, freelist bolt.FreelistType) ([]time.Duration, float64, error) {
	_ = os.Remove(path)
	db, err := bolt.Open(path, 0o600, &bolt.Options{PageSize: pageSize, FreelistType: freelist})
	if err != nil {
		return nil, 0, err
	}
	defer os.Remove(path)
	defer db.Close()
	const keys = 20000
	key := func(i int) []byte { return binary.BigEndian.AppendUint64(nil, uint64(i)) }
	value := make([]byte, 60)
	if err := db.Update(func(tx *bolt.Tx) error {
		for b := range 20 {
			bk, err := tx.CreateBucket([]byte{byte(b)})
			if err != nil {
				return err
			}
			for i := range keys {
				if err := bk.Put(key(i), value); err != nil {
					return err
				}
			}
		}
		return nil
	}); err != nil {
		return nil, 0, err
	}
	written := func() int64 { st := db.Stats().TxStats; return st.GetWrite() }
	before := written()
	var lat []time.Duration
	for end := time.Now().Add(diskCell); time.Now().Before(end) && ctx.Err() == nil; {
		start := time.Now()
		if err := db.Update(func(tx *bolt.Tx) error {
			for b := range n {
				if err := tx.Bucket([]byte{byte(b)}).Put(key(rand.IntN(keys)), value); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return nil, 0, err
		}
		lat = append(lat, time.Since(start))
	}
	pages := float64(written()-before) / float64(max(len(lat), 1))
	slices.Sort(lat)
	return lat, pages, ctx.Err()
}
