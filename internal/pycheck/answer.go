package pycheck

import (
	"fmt"
	"strings"

	"github.com/prepbot/prepbot/internal/mdtext"
	"github.com/prepbot/prepbot/internal/prep"
)

// extractPython finds the code in a chat message. People paste code bare,
// in a fenced code block (```python, ```py or ```), or as one inline code
// span; a message may also hold words around a code block, which are left
// out. ok is false when there is nothing to run, and v says why.
func extractPython(msg string, maxBytes int) (code string, v prep.Verdict, ok bool) {
	if len(msg) > maxBytes {
		return "", prep.Verdict{Outcome: prep.Failed, Detail: prep.Text(fmt.Sprintf(
			"Your message is %s; an answer may be at most %s. Send just the code.", sizeString(int64(len(msg))), sizeString(int64(maxBytes))))}, false
	}
	// Phones and chat apps turn spaces into no-break spaces and lines into
	// CRLF; Python rejects the first and the tests' line numbers suffer
	// from the second.
	msg = strings.NewReplacer("\r\n", "\n", "\r", "\n", "\u00a0", " ").Replace(msg)
	if strings.TrimSpace(msg) == "" {
		return "", prep.Verdict{Outcome: prep.Failed, Detail: prep.Text(
			"Send your answer as Python code: the starter's function with its body written (a ```python code block works too).")}, false
	}
	code, other := mdtext.ExtractCode(msg, isPythonLang)
	if other != "" {
		return "", prep.Verdict{Outcome: prep.Failed, Detail: prep.Text(fmt.Sprintf(
			"That is a ```%s block; this exercise wants Python (in a ```python block, or bare).", other))}, false
	}
	if strings.TrimSpace(code) == "" {
		return "", prep.Verdict{Outcome: prep.Failed, Detail: prep.Text(
			"The code block is empty. Put your code inside it.")}, false
	}
	return code, prep.Verdict{}, true
}
