package boltstore_test

import (
	"errors"
	"testing"
	"time"

	"github.com/prepbot/prepbot/internal/prep"
)

func TestLinkCodesWorkOnceAndOldOnesAreDropped(t *testing.T) {
	s := MustOpenTemp(t)
	t0 := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	MustUpdate(t, s, func(tx prep.Tx) error {
		if err := tx.PutLinkCode("111111", "telegram:1", t0); err != nil {
			return err
		}
		return tx.PutLinkCode("222222", "slack:U1", t0.Add(10*time.Minute))
	})
	MustUpdate(t, s, func(tx prep.Tx) error {
		user, exp, err := tx.TakeLinkCode("222222")
		if err != nil || user != "slack:U1" || !exp.Equal(t0.Add(10*time.Minute)) {
			t.Fatalf("TakeLinkCode = %v %v %v", user, exp, err)
		}
		if _, _, err := tx.TakeLinkCode("222222"); !errors.Is(err, prep.ErrNotFound) {
			t.Fatalf("a code must work once, second take: %v", err)
		}
		// A code stored two days later drops the stale one.
		return tx.PutLinkCode("333333", "telegram:2", t0.Add(48*time.Hour))
	})
	err := s.Update(func(tx prep.Tx) error {
		_, _, err := tx.TakeLinkCode("111111")
		return err
	})
	if !errors.Is(err, prep.ErrNotFound) {
		t.Fatalf("stale code still there: %v", err)
	}
}

func TestHasCardState(t *testing.T) {
	s := MustOpenTemp(t)
	now := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	MustUpdate(t, s, func(tx prep.Tx) error { return tx.PutCardState("telegram:1", state("seen", now)) })
	MustView(t, s, func(tx prep.Tx) error {
		for _, tc := range []struct {
			user prep.UserKey
			id   string
			want bool
		}{{"telegram:1", "seen", true}, {"telegram:1", "unseen", false}, {"telegram:2", "seen", false}} {
			got, err := tx.HasCardState(tc.user, tc.id)
			if err != nil || got != tc.want {
				t.Errorf("HasCardState(%s, %s) = %v, %v; want %v", tc.user, tc.id, got, err, tc.want)
			}
		}
		return nil
	})
}
