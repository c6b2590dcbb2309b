package prep

import (
	"errors"
	"fmt"
	"strings"

	fsrs "github.com/open-spaced-repetition/go-fsrs/v4"
)

// A leech is a card the user keeps forgetting: after LeechLapses lapses
// (Again on a card in review), and every LeechLapses/2 after that, as Anki
// does, prepbot says so and offers to suspend the card or to look at it
// with its answer. Reviews of a leech that is kept go on as usual.
const LeechLapses = 8

// isLeechLapse reports whether a lapse count just reached a leech
// threshold.
func isLeechLapse(lapses uint64) bool {
	return lapses == LeechLapses || lapses > LeechLapses && (lapses-LeechLapses)%(LeechLapses/2) == 0
}

// offerLeech adds the leech notice for a card that just lapsed.
func (c *conv) offerLeech(card Card, lapses uint64) {
	c.send(RichText{}.Bold("🩹 A leech: ").Italic(card.Question).
		Plain(fmt.Sprintf("\nYou have forgotten this card %d times. Reviewing it the same way again rarely helps: rewrite it in your notes, look at it with its answer, or suspend it for now.", lapses)),
		[]Button{{Label: "Suspend it", Data: cutBytes("/suspend "+card.ID, MaxButtonData)}, {Label: "Show it with the answer", Data: cutBytes("/show "+card.ID, MaxButtonData)}})
}

// suspend sets a card aside: it keeps its schedule but is not asked.
func (c *conv) suspend(id string, on bool) error {
	card, ok := c.e.lib.Card(strings.TrimSpace(id))
	if !ok {
		c.send(Text("I have no such card. /suspended lists the suspended ones."))
		return nil
	}
	st, err := c.tx.CardState(c.u.Key, card.ID)
	if errors.Is(err, ErrNotFound) {
		c.send(Text("You have not studied that card yet, so there is nothing to suspend."))
		return nil
	} else if err != nil {
		return err
	}
	if st.Suspended == on {
		if on {
			c.send(Text("That card is already suspended."))
		} else {
			c.send(Text("That card is not suspended."))
		}
		return nil
	}
	st.Suspended = on
	if !on && st.FSRS.State == fsrs.Review && !st.FSRS.LastReview.IsZero() {
		// Set aside while the interview date was set or moved, it missed
		// interview-date mode's aim; it comes back aimed.
		st.FSRS = c.forInterview(st.FSRS, st.FSRS.LastReview)
	}
	if err := c.tx.PutCardState(c.u.Key, st); err != nil {
		return err
	}
	if on {
		c.send(RichText{}.Plain("⏸ Suspended: ").Italic(card.Question).Plain(fullStop(card.Question) + " /suspended lets it back in."))
	} else {
		c.send(RichText{}.Plain("▶️ Back in your reviews: ").Italic(card.Question + fullStop(card.Question)))
	}
	return nil
}

// show displays a card with its answer, without a rating.
func (c *conv) show(id string) error {
	card, ok := c.e.lib.Card(strings.TrimSpace(id))
	if !ok {
		c.send(Text("I have no such card."))
		return nil
	}
	c.send(RichText{}.Italic(card.Topic + "\n").Bold("❓ " + card.Question).Plain("\n\n").Append(card.Answer))
	return nil
}

// suspended lists the suspended cards with a button each to let it back in.
func (c *conv) suspended() error {
	var text RichText
	var rows [][]Button
	n := 0
	for st, err := range c.tx.CardStates(c.u.Key) {
		if err != nil {
			return err
		}
		card, ok := c.e.lib.Card(st.CardID)
		if !st.Suspended || !ok {
			continue
		}
		n++
		text = text.Plain(fmt.Sprintf("\n%d. %s (%s, forgotten %d times)", n, card.Question, card.Topic, st.FSRS.Lapses))
		rows = append(rows, []Button{{Label: fmt.Sprintf("%d ▶️ Unsuspend", n), Data: cutBytes("/unsuspend "+card.ID, MaxButtonData)}})
	}
	if n == 0 {
		c.send(Text("No suspended cards."))
		return nil
	}
	c.send(RichText{}.Bold("⏸ Suspended cards").Append(text), rows...)
	return nil
}
