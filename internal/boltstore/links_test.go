package boltstore_test

import (
	"errors"
	"strings"
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

func TestCardStateIDs(t *testing.T) {
	s := MustOpenTemp(t)
	now := time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)
	MustUpdate(t, s, func(tx prep.Tx) error {
		for _, id := range []string{"sql2", "de1", "sql10"} {
			if err := tx.PutCardState("telegram:1", state(id, now)); err != nil {
				return err
			}
		}
		return tx.PutCardState("telegram:2", state("py1", now))
	})
	MustView(t, s, func(tx prep.Tx) error {
		for user, want := range map[prep.UserKey]string{"telegram:1": "de1 sql10 sql2", "telegram:2": "py1", "telegram:3": ""} {
			var got []string
			for id, err := range tx.CardStateIDs(user) {
				if err != nil {
					return err
				}
				got = append(got, id)
			}
			if strings.Join(got, " ") != want {
				t.Errorf("CardStateIDs(%s) = %v, want %q", user, got, want)
			}
		}
		return nil
	})
}
