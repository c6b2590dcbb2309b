package prep

import (
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"
)

// linkTTL is how long a /link code works.
const linkTTL = 10 * time.Minute

// resolve follows a linked account to the account that holds the progress.
// Links are one level deep: an account with others linked to it cannot
// itself be linked.
func resolve(tx Tx, u User) (User, error) {
	if u.Alias == "" {
		return u, nil
	}
	target, err := tx.User(u.Alias)
	if err != nil {
		return User{}, fmt.Errorf("prep: linked account %s of %s: %w", u.Alias, u.Key, err)
	}
	return target, nil
}

// pushTarget is the account that gets the user's pushes and reminders.
func (u User) pushTarget() UserKey {
	if u.PushTo != "" {
		return u.PushTo
	}
	return u.Key
}

// link shows a one-time code ("/link") or links this account to the one
// that showed the code ("/link 123456").
func (c *conv) link(args string) error {
	code := strings.TrimSpace(args)
	if code == "" {
		n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
		if err != nil {
			return fmt.Errorf("prep: link code: %w", err)
		}
		code = fmt.Sprintf("%06d", n.Int64())
		if err := c.tx.PutLinkCode(code, c.u.Key, c.now.Add(linkTTL)); err != nil {
			return err
		}
		c.send(RichText{}.Bold("🔗 Link your accounts").
			Plain("\nTo share this progress (cards, checklists, interview date) with your account on another platform, send this there within 10 minutes:\n").
			Code("/link " + code).
			Plain("\nThe account where you type it uses this progress from then on; its own is set aside and comes back with /unlink."))
		return nil
	}
	owner, expires, err := c.tx.TakeLinkCode(code)
	if errors.Is(err, ErrNotFound) || (err == nil && !expires.After(c.now)) {
		c.send(Text("That code is unknown or has expired. Type /link on your other account for a new one."))
		return nil
	} else if err != nil {
		return err
	}
	// A code typed on the wrong account stays good for the right one until
	// it expires: taking it is how the store reads it.
	keep := func() error { return c.tx.PutLinkCode(code, owner, expires) }
	switch {
	case owner == c.via || owner == c.u.Key:
		c.send(Text("That code is from this same account (or one already linked to it). Type it on your other account."))
		return keep()
	case len(c.u.Linked) > 0 || c.via != c.u.Key:
		c.send(Text("This account already shares progress with another one. Type /unlink first."))
		return keep()
	}
	target, err := c.tx.User(owner)
	if err != nil {
		return err
	}
	if target.Alias != "" {
		c.send(Text("The account that made the code is itself linked to another one; make the code there."))
		return keep()
	}
	// This account becomes an alias: its own record keeps its progress
	// aside (for /unlink) and points to the target, whose progress the
	// conversation continues with.
	self := c.u
	self.Alias = owner
	if err := c.tx.PutUser(self); err != nil {
		return err
	}
	target.Linked = append(target.Linked, c.via)
	c.u = target
	c.send(RichText{}.Bold("🔗 Linked.").
		Plain(fmt.Sprintf(" This account now shares progress with %s: reviews, checklists and your interview date are the same on both. Daily quiz and reminders still go to %s.", platformName(owner.Platform()), platformName(c.u.pushTarget().Platform()))),
		[]Button{{Label: "Send them here instead", Data: "/settings notify here"}})
	return nil
}

// unlink separates this account from the one it shares progress with (or,
// on the account that holds the progress, from every linked account).
func (c *conv) unlink() error {
	if c.via != c.u.Key {
		self, err := c.tx.User(c.via)
		if err != nil {
			return err
		}
		self.Alias = ""
		if err := c.tx.PutUser(self); err != nil {
			return err
		}
		c.u.Linked = slices.DeleteFunc(c.u.Linked, func(k UserKey) bool { return k == c.via })
		if c.u.PushTo == c.via {
			c.u.PushTo = ""
		}
		if err := c.tx.PutUser(c.u); err != nil {
			return err
		}
		c.u = self
		c.send(Text("Unlinked: this account has its own progress again."))
		return nil
	}
	if len(c.u.Linked) == 0 {
		c.send(Text("This account is not linked to another one. /link shows how."))
		return nil
	}
	for _, k := range c.u.Linked {
		other, err := c.tx.User(k)
		if err != nil {
			return err
		}
		other.Alias = ""
		if err := c.tx.PutUser(other); err != nil {
			return err
		}
	}
	c.u.Linked, c.u.PushTo = nil, ""
	c.send(Text("Unlinked: each account has its own progress again."))
	return nil
}

func platformName(p Platform) string {
	switch p {
	case Telegram:
		return "Telegram"
	case Slack:
		return "Slack"
	case Terminal:
		return "the terminal"
	}
	return string(p)
}
