// Package terminal runs the coach in a terminal: replies are printed as
// text, buttons as numbered choices, and a line typed by the user is either
// a choice (its number, its label, or the label's first word) or text for
// the engine. It works the same when stdin is a pipe, so sessions can be
// scripted.
package terminal

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/prepbot/prepbot/internal/prep"
)

// Coach is the conversation engine the terminal talks to.
type Coach interface {
	Handle(ctx context.Context, ev prep.Event) []prep.Reply
}

// Options configure a terminal session.
type Options struct {
	In     io.Reader
	Out    io.Writer
	User   prep.UserKey
	Name   string
	Color  bool // ANSI bold and dim; off for pipes and with NO_COLOR
	Prompt bool // print "> " before reading; on for interactive terminals
	// ImageDir is where pictures (charts) are written; their paths are
	// printed. "" means the system's temporary directory.
	ImageDir string
	Now      func() time.Time
	// AfterGreeting, if set, runs once after the greeting and before the
	// first line is read: the wiring delivers the reminders that fell due
	// while no session ran, instead of at its first periodic check.
	AfterGreeting func(ctx context.Context)
}

// Terminal is one interactive session.
type Terminal struct {
	opts  Options
	coach Coach
	mu    sync.Mutex // output and the choices are shared with Deliver
	// numbered are the choices picked by position, [1], [2]…: the buttons
	// of the messages on screen whose labels carry no numbers of their own.
	numbered []prep.Button
	// labelled are the choices of the latest message whose labels carry
	// item numbers (a checklist's "2 ✓ Done", "2 Skip"), picked by label:
	// numbering them by position as well would make "2" mean either the
	// second choice or item 2.
	labelled []prep.Button
	// latest are the choices of the newest message with buttons, which win
	// when a word matches several ("done": the reminder just printed).
	latest []prep.Button
	out    *failWriter // opts.Out, remembering its first error
	// noDeliverPrompt keeps Deliver from prompting while Run is about to.
	noDeliverPrompt bool
}

func (t *Terminal) setPromptAfterDeliver(on bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.noDeliverPrompt = !on
}

// failWriter passes writes on until one fails, then fails every later one
// with that error, so a session whose reader has gone (a closed pipe)
// notices and ends instead of acting on input no one sees the answers to.
type failWriter struct {
	w   io.Writer
	err error
}

func (f *failWriter) Write(p []byte) (int, error) {
	if f.err != nil {
		return 0, f.err
	}
	n, err := f.w.Write(p)
	f.err = err
	return n, err
}

// New returns a terminal session for one user.
func New(opts Options, coach Coach) *Terminal {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	t := &Terminal{opts: opts, coach: coach, out: &failWriter{w: opts.Out}}
	t.opts.Out = t.out
	return t
}

// outputErr is the error of the first write that failed, or nil.
func (t *Terminal) outputErr() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.out.err
}

// IsInteractive reports whether f is a terminal rather than a pipe or file,
// to decide on prompts and colour.
func IsInteractive(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// MaxLine is the longest message the terminal takes, in bytes: one line, or
// a ``` block of lines. A longer line is refused with a note and the session
// goes on; it is discarded as it is read, so no input, however long, is
// ever held whole.
const MaxLine = 1 << 20

// Run greets the user and reads lines until EOF or ctx is cancelled. Every
// event is committed by the engine before its reply is printed, so stopping
// at any point loses nothing. When the output fails (its reader has gone:
// `prepbot | head`), Run stops before acting on another line, since no one
// would see what it did, and returns an error wrapping the write's.
func (t *Terminal) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // stops the reader when Run returns early
	lines := make(chan input)
	readErr := make(chan error, 1)
	go func() { readErr <- readLines(ctx, t.opts.In, lines) }()

	t.handle(ctx, prep.Event{Text: "/start"})
	if t.opts.AfterGreeting != nil {
		t.setPromptAfterDeliver(false) // Run prompts next
		t.opts.AfterGreeting(ctx)
		t.setPromptAfterDeliver(true)
	}
	var block *fence // a ``` fenced block being typed
	for {
		if err := t.outputErr(); err != nil {
			return fmt.Errorf("terminal: write output: %w", err)
		}
		if t.opts.Prompt {
			t.say("> ")
		}
		select {
		case <-ctx.Done():
			t.say("\nBye! Your progress is saved.\n")
			return nil
		case err := <-readErr:
			if err != nil {
				return fmt.Errorf("terminal: read input: %w", err)
			}
			if block != nil {
				t.say("\n(The ``` block was never closed with a ``` line, so it was not sent.)")
			}
			t.say("\nBye! Your progress is saved.\n")
			return nil
		case in := <-lines:
			in.text = clean(in.text)
			line := in.text
			if block != nil {
				// Inside a ``` fence: collect lines until the closing one,
				// then send the whole block as one message (code answers).
				block.add(in)
				if in.tooLong == 0 && strings.HasPrefix(strings.TrimSpace(line), "```") {
					if block.tooLong {
						t.say(fmt.Sprintf("(That ``` block is over %d bytes (1 MiB), the most a message may have, so it was not sent. Please send a shorter one.)\n", MaxLine))
					} else {
						t.handle(ctx, prep.Event{Text: strings.Join(block.lines, "\n")})
					}
					block = nil
				}
				continue
			}
			if in.tooLong > 0 {
				t.say(fmt.Sprintf("(That line is %d bytes long; a line may have at most %d bytes (1 MiB), so it was not sent. Please send a shorter one.)\n", in.tooLong, MaxLine))
				continue
			}
			if trimmed := strings.TrimSpace(line); strings.HasPrefix(trimmed, "```") && (len(trimmed) < 6 || !strings.HasSuffix(trimmed, "```")) {
				block = &fence{lines: []string{line}, size: len(line)}
				continue
			}
			line = strings.TrimSpace(line)
			if line == "" {
				continue
			}
			if line == "/quit" || line == "/exit" || line == "quit" || line == "exit" {
				t.say("Bye! Your progress is saved.\n")
				return nil
			}
			if b, ok := t.choice(line); ok {
				t.handle(ctx, prep.Event{Button: b.Data})
			} else {
				t.handle(ctx, prep.Event{Text: line})
			}
		}
	}
}

// input is one line typed by the user, or, for a line over MaxLine bytes,
// only its length.
type input struct {
	text    string
	tooLong int64 // the length of a line that was discarded; 0 for a line kept
}

// readLines sends each line of r to lines without its line ending ("\n",
// "\r\n", or none at the end), until r ends (nil) or fails, or ctx is done
// (nil). A line over MaxLine bytes is dropped piece by piece as it streams
// and sent as its length alone: memory stays within MaxLine whatever comes.
func readLines(ctx context.Context, r io.Reader, lines chan<- input) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var (
		buf     []byte // the line so far, while it fits
		n       int64  // bytes of the line so far, line ending included
		long    bool   // the line has outgrown MaxLine: buf is dropped
		lastCR  bool   // the byte before the newline was '\r'
		prevEnd byte   // the last byte of the previous piece
	)
	for {
		piece, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			err = nil // a piece of a long line; the rest follows
		} else if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		n += int64(len(piece))
		newline := len(piece) > 0 && piece[len(piece)-1] == '\n'
		if newline {
			lastCR = len(piece) >= 2 && piece[len(piece)-2] == '\r' || len(piece) == 1 && prevEnd == '\r'
		}
		if len(piece) > 0 {
			prevEnd = piece[len(piece)-1]
		}
		if !long && len(buf)+len(piece) > MaxLine+len("\r\n") {
			long, buf = true, nil
		}
		if !long {
			buf = append(buf, piece...)
		}
		if !newline && err == nil {
			continue
		}
		if n > 0 {
			size := n
			if newline {
				size--
				if lastCR {
					size--
				}
			} else if prevEnd == '\r' {
				size-- // a final line without a newline, ending in '\r'
			}
			in := input{tooLong: size}
			if !long && size <= MaxLine {
				in = input{text: string(buf[:size])}
			}
			select {
			case lines <- in:
			case <-ctx.Done():
				return nil
			}
		}
		if err != nil {
			return nil // io.EOF
		}
		buf, n, long, prevEnd = buf[:0], 0, false, 0
	}
}

// fence is a ``` block being typed, sent as one message when it closes. One
// that grows over MaxLine keeps only its state, and is refused at its end.
type fence struct {
	lines   []string
	size    int
	tooLong bool
}

func (f *fence) add(in input) {
	if f.tooLong {
		return
	}
	f.size += 1 + len(in.text)
	if in.tooLong > 0 || f.size > MaxLine {
		f.lines, f.tooLong = nil, true
		return
	}
	f.lines = append(f.lines, in.text)
}

// say writes to the output, in turn with Deliver.
func (t *Terminal) say(s string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	fmt.Fprint(t.opts.Out, s)
}

// choice maps a typed line to an offered button: a number picks the
// numbered choice at that position, or, with no numbered choices, the
// first labelled choice of that item ("2": item 2's ✓ Done); otherwise a whole
// label matches, with or without its symbols ("2 skip", "2 done", "show
// answer"), or a label's first word ("good"), ignoring case.
func (t *Terminal) choice(line string) (prep.Button, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if n, err := strconv.Atoi(line); err == nil {
		if len(t.numbered) > 0 {
			// Numbers are positions while numbered choices are on
			// offer; one out of their range is text (an answer "5").
			if n >= 1 && n <= len(t.numbered) {
				return t.numbered[n-1], true
			}
			return prep.Button{}, false
		}
		for _, b := range t.labelled {
			if first, _, _ := strings.Cut(b.Label, " "); first == line {
				return b, true
			}
		}
		return prep.Button{}, false
	}
	l := words(line)
	ordered := slices.Concat(t.latest, t.labelled, t.numbered)
	for _, b := range ordered {
		if strings.ToLower(b.Label) == strings.ToLower(line) || words(b.Label) == l {
			return b, true
		}
	}
	for _, b := range ordered {
		if first, _, _ := strings.Cut(words(b.Label), " "); first == l {
			return b, true
		}
	}
	return prep.Button{}, false
}

// words is s in lower case with its symbols left out ("2 ✓ Done" → "2
// done"), so that a label can be typed without them.
func words(s string) string {
	fields := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	return strings.Join(fields, " ")
}

func (t *Terminal) handle(ctx context.Context, ev prep.Event) {
	ev.User, ev.Name = t.opts.User, t.opts.Name
	replies := t.coach.Handle(ctx, ev)
	t.mu.Lock()
	defer t.mu.Unlock()
	// The first reply with numbered choices replaces those on screen; the
	// replies after it in the same answer add theirs, as each keeps its
	// buttons in a chat (a leech's "Suspend it" before the next card).
	add := false
	for _, r := range replies {
		t.printAs(r, add)
		add = add || len(r.Buttons) > 0 && !labelsNumbered(flatten(r.Buttons))
	}
}

func flatten(rows [][]prep.Button) []prep.Button {
	var out []prep.Button
	for _, row := range rows {
		out = append(out, row...)
	}
	return out
}

// Deliver prints scheduled output (checklist reminders) for the terminal's
// user while the session runs; the next line typed can press its buttons.
func (t *Terminal) Deliver(_ context.Context, user prep.UserKey, replies []prep.Reply) error {
	if user != t.opts.User {
		return fmt.Errorf("terminal: cannot deliver to %s: this terminal is %s", user, t.opts.User)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, r := range replies {
		if r.Kind == prep.Edit {
			r.Kind = prep.Send
		}
		// A delivered message (a checklist reminder, a late verdict)
		// arrives while the user may be answering an earlier one: its
		// choices are added to those offered, which keep their numbers,
		// so that a "3" typed for the card on screen still rates it.
		t.printAs(r, true)
	}
	if t.opts.Prompt && !t.noDeliverPrompt {
		fmt.Fprint(t.opts.Out, "> ")
	}
	if t.out.err != nil {
		return fmt.Errorf("terminal: write output: %w", t.out.err)
	}
	return nil
}

// printAs renders one reply. An Edit is printed anew (a terminal cannot
// change what it already printed); a Notice is a short bracketed line.
// With add set, r's buttons are added to the choices offered instead of
// replacing them.
func (t *Terminal) printAs(r prep.Reply, add bool) {
	out := t.opts.Out
	switch r.Kind {
	case prep.Notice:
		fmt.Fprintf(out, "(%s)\n", r.Text.String())
		return
	case prep.Photo:
		path, err := t.writeImage(r.Image)
		if err != nil {
			fmt.Fprintf(out, "(could not save the picture: %v)\n", err)
		} else {
			fmt.Fprintf(out, "🖼  %s\n   saved to %s\n", r.Text.String(), path)
		}
	default:
		fmt.Fprintln(out)
		fmt.Fprintln(out, Render(r.Text, t.opts.Color))
	}
	if len(r.Buttons) == 0 {
		return
	}
	buttons := flatten(r.Buttons)
	t.latest = buttons
	var parts []string
	// The two kinds of choices are kept apart, as two messages are in a
	// chat: items (a reminder, a checklist section) replace only the
	// items on offer, and a card or a menu only the numbered choices, so
	// ticking an item leaves the card's numbers alone, and rating the card
	// leaves the reminder's items on offer.
	if labelsNumbered(buttons) {
		// A newer list of items replaces an older one's: their numbers
		// would clash.
		t.labelled = buttons
		for _, b := range buttons {
			parts = append(parts, "["+b.Label+"]")
		}
		fmt.Fprintln(out, strings.Join(parts, "  "))
		example := words(buttons[len(buttons)-1].Label)
		if len(t.numbered) > 0 {
			fmt.Fprintf(out, "(type a label such as %s for these; a number alone still picks from [1]–[%d] above)\n", example, len(t.numbered))
		} else {
			fmt.Fprintf(out, "(type a number to take its first choice, or a label such as %s)\n", example)
		}
		return
	}
	if !add {
		t.numbered = nil
	}
	for i, b := range buttons {
		parts = append(parts, fmt.Sprintf("[%d] %s", len(t.numbered)+i+1, b.Label))
	}
	t.numbered = append(t.numbered, buttons...)
	fmt.Fprintln(out, strings.Join(parts, "  "))
}

// labelsNumbered reports whether some button's label starts with a number,
// as a checklist's "2 ✓ Done" does: choices are then picked by the number in
// their label, since numbering them 1, 2, 3 as well would make "2" mean
// either the second choice or item 2.
func labelsNumbered(buttons []prep.Button) bool {
	for _, b := range buttons {
		if first, _, _ := strings.Cut(b.Label, " "); first != "" {
			if _, err := strconv.Atoi(first); err == nil {
				return true
			}
		}
	}
	return false
}

func (t *Terminal) writeImage(png []byte) (string, error) {
	dir := t.opts.ImageDir
	if dir == "" {
		dir = os.TempDir()
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	f, err := os.CreateTemp(dir, "prepbot-"+t.opts.Now().Format("20060102-150405")+"-*.png")
	if err != nil {
		return "", err
	}
	if _, err := f.Write(png); err != nil {
		f.Close()
		return "", err
	}
	return f.Name(), f.Close()
}

// Render turns rich text into terminal text: bold and italic as ANSI styles
// when color is on (plain otherwise), code blocks indented.
func Render(rt prep.RichText, color bool) string {
	var b strings.Builder
	style := func(code, s string) {
		if color {
			b.WriteString("\x1b[" + code + "m" + s + "\x1b[0m")
		} else {
			b.WriteString(s)
		}
	}
	for _, s := range rt {
		switch s.Style {
		case prep.Bold:
			style("1", s.Text)
		case prep.Italic:
			style("3", s.Text)
		case prep.Code:
			style("36", s.Text)
		case prep.CodeBlock:
			if b.Len() > 0 && !strings.HasSuffix(b.String(), "\n") {
				b.WriteByte('\n')
			}
			for _, line := range strings.Split(strings.TrimRight(s.Text, "\n"), "\n") {
				style("36", "    "+line)
				b.WriteByte('\n')
			}
		case prep.Link:
			b.WriteString(s.Text)
			if s.URL != "" && s.URL != s.Text {
				b.WriteString(" (" + s.URL + ")")
			}
		default:
			b.WriteString(s.Text)
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

// escapeSequence matches what a terminal's keys send beyond text: CSI
// sequences (arrows: ESC [ A), SS3 (ESC O P) and two-byte escapes.
var escapeSequence = regexp.MustCompile(`\x1b(\[[0-?]*[ -/]*[@-~]|O.|[@-Z\\-_])?`)

// clean makes a typed line text: chat platforms hand over valid UTF-8
// only, while a terminal passes whatever bytes were typed or piped, which
// would otherwise reach replies (an SQL error echoing the query) and the
// store as they are. Invalid UTF-8 becomes U+FFFD; escape sequences (an
// arrow key) and other control characters except tab are left out, so
// that an echo cannot drive the terminal and "sho⎋w" still reads "show".
func clean(line string) string {
	line = strings.ToValidUTF8(line, "\uFFFD")
	line = escapeSequence.ReplaceAllString(line, "")
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) && r != '\t' {
			return -1
		}
		return r
	}, line)
}
