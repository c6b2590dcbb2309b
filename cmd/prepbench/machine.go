package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
)

// describeMachine prints what the figures depend on: cores, CPU, memory,
// Go, kernel, and the file system the databases live on (their fsync rate
// bounds every write).
func describeMachine(out io.Writer, dir string) {
	fmt.Fprintf(out, "machine: %d cores (GOMAXPROCS %d), %s, %s RAM\n",
		runtime.NumCPU(), runtime.GOMAXPROCS(0), cpuModel(), memTotal())
	fmt.Fprintf(out, "go: %s %s/%s; kernel %s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH, firstLine("/proc/sys/kernel/osrelease"))
	fmt.Fprintf(out, "disk: %s\n", diskNote(dir))
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}

func memTotal() string {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var kb int64
		if _, err := fmt.Sscanf(sc.Text(), "MemTotal: %d kB", &kb); err == nil {
			return fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
		}
	}
	return "unknown"
}

func firstLine(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "unknown"
	}
	line, _, _ := strings.Cut(string(b), "\n")
	return strings.TrimSpace(line)
}

// diskNote names the device and file system holding dir, from
// /proc/self/mountinfo (the longest mount point that contains it), and
// whether the kernel thinks the device rotates.
func diskNote(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = dir
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	}
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return abs + " (mount unknown)"
	}
	defer f.Close()
	var best, fstype, source string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// id parent major:minor root mountpoint options ... - fstype source superopts
		pre, post, ok := strings.Cut(sc.Text(), " - ")
		fields, tail := strings.Fields(pre), strings.Fields(post)
		if !ok || len(fields) < 5 || len(tail) < 2 {
			continue
		}
		mp := fields[4]
		if (abs == mp || strings.HasPrefix(abs, strings.TrimSuffix(mp, "/")+"/")) && len(mp) >= len(best) {
			best, fstype, source = mp, tail[0], tail[1]
		}
	}
	note := fmt.Sprintf("%s on %s (%s, mounted at %s)", abs, source, fstype, best)
	dev := filepath.Base(source)
	for _, d := range []string{dev, strings.TrimRightFunc(dev, func(r rune) bool { return r >= '0' && r <= '9' })} {
		if r := firstLine("/sys/block/" + d + "/queue/rotational"); r == "0" || r == "1" {
			note += map[string]string{"0": ", non-rotational", "1": ", rotational"}[r]
			break
		}
	}
	if slices.Contains([]string{"tmpfs", "ramfs"}, fstype) {
		note += "; WARNING: in memory, fsync costs nothing here"
	}
	return note
}

func numCPU() int { return runtime.NumCPU() }
