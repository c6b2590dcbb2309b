package slack

// DecodeInteraction exposes the decoding of an interaction payload (the
// JSON of the "payload" form field) to the fuzz test: the button's value
// and where it was pressed, or ok false for payloads the bot ignores.
func DecodeInteraction(payload []byte) (user, channel, ts, value string, ok bool) {
	in, ok := decodeInteraction(payload, "", DefaultAPIBase)
	return in.userID, in.channel, in.ts, in.value, ok
}

// FromMrkdwn exposes the unescaping of what users type.
var FromMrkdwn = fromMrkdwn

// QueueKey exposes the queue a message to channel (for userID) goes to.
func QueueKey(channel, userID string) string { return target{channel: channel, userID: userID}.key() }
