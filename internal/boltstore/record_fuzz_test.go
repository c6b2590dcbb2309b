package boltstore

import (
	"strings"
	"testing"
	"time"
)

// FuzzDecodeCardRecord feeds any bytes to the card-record decoder, as a
// damaged file would: it must return a record or an error, never panic, and
// a record it accepts must survive being written and read again unchanged.
func FuzzDecodeCardRecord(f *testing.F) {
	good, err := cardRecord{
		Due: time.Date(2026, 3, 14, 8, 0, 0, 5, time.UTC), Stability: 3.5, Difficulty: 6.2,
		ScheduledDays: 3, Reps: 4, Lapses: 1, State: 2, RemainingSteps: -1, Suspended: true,
	}.appendBinary(nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:len(good)-1])
	f.Add([]byte{cardRecordBinary})
	f.Add([]byte(`{"due":"2026-03-14T08:00:00Z","stability":1,"reps":2,"suspended":true}`))
	f.Add([]byte(`{"due":`))
	f.Fuzz(func(t *testing.T, v []byte) {
		rec, err := decodeCardRecord(v, "cards/fuzz", []byte("c"))
		if err != nil {
			return
		}
		again, err := rec.appendBinary(nil)
		if err != nil {
			return // a JSON record may hold what the binary form refuses
		}
		back, err := decodeCardRecord(again, "cards/fuzz", []byte("c"))
		if err != nil {
			t.Fatalf("re-encoded record does not decode: %v", err)
		}
		if !back.Due.Equal(rec.Due) || !back.LastReview.Equal(rec.LastReview) || back.Stability != rec.Stability ||
			back.Difficulty != rec.Difficulty || back.ScheduledDays != rec.ScheduledDays || back.Reps != rec.Reps ||
			back.Lapses != rec.Lapses || back.State != rec.State || back.RemainingSteps != rec.RemainingSteps ||
			back.Suspended != rec.Suspended {
			t.Fatalf("round trip changed the record:\n got %+v\nwant %+v", back, rec)
		}
	})
}

// TestDecodeCardRecordRefusesDamage: a damaged binary record is an error
// naming the bucket and key, never a state made of what was left.
func TestDecodeCardRecordRefusesDamage(t *testing.T) {
	good, err := cardRecord{Due: time.Date(2026, 3, 14, 8, 0, 0, 0, time.UTC), Stability: 1, Difficulty: 5}.appendBinary(nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := decodeCardRecord(good, "cards/u", []byte("c")); err != nil {
		t.Fatalf("the intact record: %v", err)
	}
	badFlags := append([]byte(nil), good...)
	badFlags[len(badFlags)-1] = 0x80
	for name, v := range map[string][]byte{
		"truncated":     good[:len(good)-3],
		"trailing":      append(append([]byte(nil), good...), 0),
		"unknown flags": badFlags,
		"tag only":      {cardRecordBinary},
	} {
		_, err := decodeCardRecord(v, "cards/u", []byte("c"))
		if err == nil || !strings.Contains(err.Error(), `cards/u: decode record "c"`) {
			t.Errorf("%s: err = %v, want an error naming the bucket and key", name, err)
		}
	}
}
