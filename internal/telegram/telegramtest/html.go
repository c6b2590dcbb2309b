package telegramtest

import (
	"fmt"
	"strings"
)

// CheckHTML reports why Telegram would refuse text sent with parse mode
// "HTML", or nil: only the tags Telegram supports, with the attributes it
// reads, properly nested and closed; nothing but a code inside a pre and
// nothing inside a code; no raw '<' or '>' in text; '&' only as &lt;, &gt;,
// &amp;, &quot; or a numeric entity. The fake refuses such a text as
// Telegram does ("can't parse entities"), so that every test of the bot
// checks its markup.
func CheckHTML(s string) error {
	var stack []string
	for i := 0; i < len(s); {
		switch s[i] {
		case '<':
			j := strings.IndexByte(s[i:], '>')
			if j < 0 {
				return fmt.Errorf("unclosed start tag at byte %d", i)
			}
			tag := s[i+1 : i+j]
			i += j + 1
			if name, ok := strings.CutPrefix(tag, "/"); ok {
				name = strings.ToLower(strings.TrimSpace(name))
				if len(stack) == 0 || stack[len(stack)-1] != name {
					return fmt.Errorf("unmatched end tag </%s> (open: %v)", name, stack)
				}
				stack = stack[:len(stack)-1]
				continue
			}
			name, attrs, _ := strings.Cut(tag, " ")
			name = strings.ToLower(name)
			if err := checkTag(name, strings.TrimSpace(attrs), stack); err != nil {
				return err
			}
			stack = append(stack, name)
		case '>':
			return fmt.Errorf("raw '>' at byte %d", i)
		case '&':
			n, err := entityLen(s[i:])
			if err != nil {
				return fmt.Errorf("%w at byte %d", err, i)
			}
			i += n
		default:
			i++
		}
	}
	if len(stack) > 0 {
		return fmt.Errorf("unclosed tags %v", stack)
	}
	return nil
}

// checkTag checks one start tag against Telegram's list and the tags open
// around it.
func checkTag(name, attrs string, open []string) error {
	if len(open) > 0 {
		switch parent := open[len(open)-1]; {
		case parent == "pre" && name != "code", parent == "code":
			return fmt.Errorf("<%s> inside <%s>", name, parent)
		}
	}
	switch name {
	case "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "tg-spoiler", "pre":
		if attrs != "" {
			return fmt.Errorf("<%s> takes no attributes, got %q", name, attrs)
		}
	case "blockquote":
		if attrs != "" && attrs != "expandable" {
			return fmt.Errorf("<blockquote %s>", attrs)
		}
	case "code":
		if attrs == "" {
			return nil
		}
		if len(open) == 0 || open[len(open)-1] != "pre" {
			return fmt.Errorf("<code %s> outside <pre>", attrs)
		}
		v, err := attrValue(attrs, "class")
		if err != nil || !strings.HasPrefix(v, "language-") {
			return fmt.Errorf("bad <code %s>", attrs)
		}
	case "span":
		if v, err := attrValue(attrs, "class"); err != nil || v != "tg-spoiler" {
			return fmt.Errorf("bad <span %s>", attrs)
		}
	case "a":
		if _, err := attrValue(attrs, "href"); err != nil {
			return fmt.Errorf("bad <a %s>: %w", attrs, err)
		}
	case "tg-emoji":
		if _, err := attrValue(attrs, "emoji-id"); err != nil {
			return fmt.Errorf("bad <tg-emoji %s>: %w", attrs, err)
		}
	default:
		return fmt.Errorf("unsupported start tag %q", name)
	}
	return nil
}

// attrValue reads attrs as exactly one name="value" pair.
func attrValue(attrs, name string) (string, error) {
	v, ok := strings.CutPrefix(attrs, name+`="`)
	if !ok || !strings.HasSuffix(v, `"`) {
		return "", fmt.Errorf("want %s=\"…\"", name)
	}
	v = v[:len(v)-1]
	if strings.ContainsAny(v, `"<>`) {
		return "", fmt.Errorf("raw quote or angle bracket in %s", name)
	}
	for i := strings.IndexByte(v, '&'); i >= 0; {
		n, err := entityLen(v[i:])
		if err != nil {
			return "", err
		}
		next := strings.IndexByte(v[i+n:], '&')
		if next < 0 {
			break
		}
		i += n + next
	}
	return v, nil
}

// entityLen measures the entity s starts with.
func entityLen(s string) (int, error) {
	for _, e := range []string{"&lt;", "&gt;", "&amp;", "&quot;"} {
		if strings.HasPrefix(s, e) {
			return len(e), nil
		}
	}
	if rest, ok := strings.CutPrefix(s, "&#"); ok {
		digits := "0123456789"
		if r, ok := strings.CutPrefix(rest, "x"); ok {
			rest, digits = r, "0123456789abcdefABCDEF"
		}
		n := 0
		for n < len(rest) && strings.IndexByte(digits, rest[n]) >= 0 {
			n++
		}
		if n > 0 && n < len(rest) && rest[n] == ';' {
			return len(s) - len(rest) + n + 1, nil
		}
	}
	return 0, fmt.Errorf("raw '&' or unsupported entity %.10q", s)
}
