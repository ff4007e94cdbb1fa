package discord

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	discordgo "github.com/bwmarrin/discordgo"
)

// maxInteractionBody bounds an HTTP interaction payload.
const maxInteractionBody = 1 << 20

// InteractionsHandler serves POST /discord/interactions: Discord's HTTP
// interactions (the alternative to receiving them over the gateway). Each
// request must carry a valid Ed25519 signature of timestamp+body made with
// the application's key (PublicKey) and a timestamp within
// TimestampWindow; anything else gets 401. PING is answered with PONG;
// commands get their initial response (immediate or deferred) in the HTTP
// reply, and the answer then streams through the REST API.
func (a *Adapter) InteractionsHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		if a.pubKey == nil {
			a.log.Error("discord: HTTP interaction received but discord.public_key is not set")
			http.Error(w, "interactions endpoint not configured", http.StatusServiceUnavailable)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxInteractionBody))
		if err != nil {
			http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
			return
		}
		if why := a.verify(r.Header, body); why != "" {
			a.log.Warn("discord: HTTP interaction rejected", "reason", why, "remote", r.RemoteAddr)
			http.Error(w, "invalid request signature", http.StatusUnauthorized)
			return
		}
		a.opts.Hooks.Event("INTERACTION_CREATE")
		var once sync.Once
		responded := false
		respond := func(_ context.Context, resp *discordgo.InteractionResponse) error {
			err := errors.New("discord: interaction already answered")
			once.Do(func() {
				b, merr := json.Marshal(resp)
				if merr != nil {
					err = merr
					return
				}
				w.Header().Set("Content-Type", "application/json")
				// With its length known, the reply is complete once written:
				// Discord reads it while the handler goes on (follow-ups).
				w.Header().Set("Content-Length", strconv.Itoa(len(b)))
				_, err = w.Write(b)
				if f, ok := w.(http.Flusher); ok {
					f.Flush()
				}
				responded = true
			})
			return err
		}
		// The answer outlives the request: only its initial response is
		// bound to it.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), time.Minute)
		defer cancel()
		err = a.handleInteraction(ctx, body, respond)
		switch {
		case responded:
			if err != nil {
				a.log.Error("discord: interaction answer failed", "err", err)
			}
		case errors.Is(err, errReplayed):
			alreadyAcknowledged(w)
		case errors.Is(err, errMalformed):
			http.Error(w, "malformed interaction", http.StatusBadRequest)
		default:
			a.log.Error("discord: interaction not answered", "err", err)
			http.Error(w, "internal error", http.StatusInternalServerError)
		}
	})
}

// verify checks an HTTP interaction's signature and freshness; it returns
// why it is rejected, "" when it is fine.
func (a *Adapter) verify(h http.Header, body []byte) string {
	sig, err := hex.DecodeString(h.Get("X-Signature-Ed25519"))
	if err != nil || len(sig) != ed25519.SignatureSize {
		return "missing or malformed signature"
	}
	ts := h.Get("X-Signature-Timestamp")
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return "missing or malformed timestamp"
	}
	msg := make([]byte, 0, len(ts)+len(body))
	msg = append(append(msg, ts...), body...)
	if !ed25519.Verify(a.pubKey, msg, sig) {
		return "bad signature"
	}
	if age := a.now().Sub(time.Unix(sec, 0)); age > a.opts.TimestampWindow || age < -a.opts.TimestampWindow {
		return "stale timestamp"
	}
	return ""
}
