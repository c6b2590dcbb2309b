package boltstore

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/prepbot/prepbot/internal/prep"
)

// linkRecord is a pending account-link code.
type linkRecord struct {
	User    prep.UserKey `json:"user"`
	Expires time.Time    `json:"expires"`
}

// PutLinkCode stores a one-time code that links another account to user
// until expires. Codes that expired a day before the new one's expiry are
// dropped whenever a code is stored, so the bucket stays as small as the
// codes in flight (and the store needs no clock of its own).
func (t *tx) PutLinkCode(code string, user prep.UserKey, expires time.Time) error {
	b, err := t.root(bucketLinks)
	if err != nil {
		return fmt.Errorf("boltstore: put link code: %w", err)
	}
	var stale [][]byte
	err = b.ForEach(func(k, v []byte) error {
		var rec linkRecord
		if json.Unmarshal(v, &rec) != nil || rec.Expires.Before(expires.Add(-24*time.Hour)) {
			stale = append(stale, append([]byte(nil), k...))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("boltstore: put link code: %w", err)
	}
	for _, k := range stale {
		if err := b.Delete(k); err != nil {
			return fmt.Errorf("boltstore: put link code: %w", err)
		}
	}
	v, err := json.Marshal(linkRecord{User: user, Expires: expires.UTC()})
	if err != nil {
		return fmt.Errorf("boltstore: put link code: %w", err)
	}
	if err := b.Put([]byte(code), v); err != nil {
		return fmt.Errorf("boltstore: put link code: %w", err)
	}
	return nil
}

// TakeLinkCode returns the user who made the code and deletes it (a code
// works once). It wraps prep.ErrNotFound for an unknown code; expiry is the
// caller's to check.
func (t *tx) TakeLinkCode(code string) (prep.UserKey, time.Time, error) {
	b, err := t.root(bucketLinks)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("boltstore: take link code: %w", err)
	}
	v := b.Get([]byte(code))
	if v == nil {
		return "", time.Time{}, fmt.Errorf("boltstore: link code: %w", prep.ErrNotFound)
	}
	var rec linkRecord
	if err := json.Unmarshal(v, &rec); err != nil {
		return "", time.Time{}, fmt.Errorf("boltstore: link code: damaged record: %w", err)
	}
	if err := b.Delete([]byte(code)); err != nil {
		return "", time.Time{}, fmt.Errorf("boltstore: take link code: %w", err)
	}
	return rec.User, rec.Expires, nil
}
