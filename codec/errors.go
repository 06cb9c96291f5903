package codec

import (
	"errors"
	"fmt"
)

// Limits and sentinel errors.
var (
	// ErrTooManyAttachments: an attachment count above Limits.MaxAttachments
	// (or with more than 10 digits).
	ErrTooManyAttachments = errors.New("codec: too many attachments")
	// ErrIDTooLong: an ack id with more digits than fit a uint64 (or over 100 chars).
	ErrIDTooLong = errors.New("codec: ack id too long")
	// ErrPayloadTooLarge: input larger than the configured maximum.
	ErrPayloadTooLarge = errors.New("codec: payload too large")
	// ErrUnexpectedBinary: a binary message with no packet awaiting attachments.
	ErrUnexpectedBinary = errors.New("codec: unexpected binary attachment")
	// ErrUnexpectedText: a text packet arrived while attachments were pending.
	ErrUnexpectedText = errors.New("codec: text packet while attachments pending")
	// ErrReservedEvent: an EVENT whose name is reserved (connect, disconnect, …).
	ErrReservedEvent = errors.New("codec: reserved event name")
	// ErrNoArg: Args.Decode asked for an argument index that does not exist.
	ErrNoArg = errors.New("codec: no such argument")
)

// SyntaxError reports malformed input at a byte offset.
type SyntaxError struct {
	Offset int    // byte offset in the input
	Msg    string // what was wrong
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("codec: syntax error at offset %d: %s", e.Offset, e.Msg)
}
