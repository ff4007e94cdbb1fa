package discord

import (
	"context"
	"crypto/sha256"
	"encoding/hex"

	"mistralbot/bots"
)

var _ bots.OnceChannelPoster = (*Adapter)(nil)

// digestNonce is the nonce prefix of a digest keyed once: "d" and 20 hex
// digits of its SHA-256, so that with "-" and a part number it stays
// within Discord's 25 characters for a nonce
// (https://discord.com/developers/docs/resources/message#create-message-jsonform-params).
func digestNonce(once string) string {
	sum := sha256.Sum256([]byte(once))
	return "d" + hex.EncodeToString(sum[:])[:20]
}

// PostOnce implements bots.OnceChannelPoster: each part is created with
// the nonce of once and its number and enforce_nonce, the mechanism of
// answers' PostOnce (createMessage), so a repeat returns the message the
// first create made. Discord remembers a nonce for "the past few
// minutes" only (same page: enforce_nonce): the digest's lease is short
// and renewed (bots/engine, digestLeaseTTL) so that a replica taking over
// from one that died after posting does so within that window.
func (a *Adapter) PostOnce(ctx context.Context, key bots.ConversationKey, once, text string) (string, error) {
	return a.postParts(ctx, key.Channel, text, nil, digestNonce(once))
}
