package slack

import (
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"mistralbot/bots"
	"mistralbot/bots/slack/fakeslack"
)

// Every way chat.postMessage and chat.update fail, served by fakeslack
// the way Slack (or the network in front of it) serves it, comes back as
// one bots.DeliveryError of the documented class.
func TestCallErrorsAreClassified(t *testing.T) {
	type want struct {
		class bots.FailureClass
		after time.Duration // 0: not checked
		is    error         // nil: not checked
		took  bool          // the call took effect on the platform
	}
	for _, tc := range []struct {
		name  string
		fault fakeslack.Fault
		want  want
	}{
		{"429 with Retry-After", fakeslack.Fault{Kind: fakeslack.RateLimit, RetryAfter: 7 * time.Second},
			want{class: bots.Transient, after: 7 * time.Second, is: ErrRateLimited}},
		{"502 HTML from the edge", fakeslack.Fault{Kind: fakeslack.HTML}, want{class: bots.Transient, after: serverRetry}},
		{"503 HTML", fakeslack.Fault{Kind: fakeslack.HTML, Status: 503}, want{class: bots.Transient}},
		{"refused before the request was written", fakeslack.Fault{Kind: fakeslack.Refuse}, want{class: bots.Transient}},
		{"reset after the call took effect", fakeslack.Fault{Kind: fakeslack.ResetAfter}, want{class: bots.Uncertain, took: true}},
		{"timeout after the call took effect", fakeslack.Fault{Kind: fakeslack.Stall}, want{class: bots.Uncertain, took: true}},
		{"2xx that does not decode", fakeslack.Fault{Kind: fakeslack.Garbled}, want{class: bots.Uncertain, took: true}},
		{"internal_error", fakeslack.Fault{Kind: fakeslack.ErrorCode, Code: "internal_error"}, want{class: bots.Uncertain}},
		{"ratelimited in the body", fakeslack.Fault{Kind: fakeslack.ErrorCode, Code: "ratelimited"}, want{class: bots.Transient, is: ErrRateLimited}},
		{"message_not_found", fakeslack.Fault{Kind: fakeslack.ErrorCode, Code: "message_not_found"}, want{class: bots.Permanent, is: bots.ErrMessageGone}},
		{"not_in_channel", fakeslack.Fault{Kind: fakeslack.ErrorCode, Code: "not_in_channel"}, want{class: bots.Permanent, is: ErrNotInChannel}},
		{"is_archived", fakeslack.Fault{Kind: fakeslack.ErrorCode, Code: "is_archived"}, want{class: bots.Permanent, is: ErrArchived}},
		{"token_revoked", fakeslack.Fault{Kind: fakeslack.ErrorCode, Code: "token_revoked"}, want{class: bots.Permanent, is: ErrInvalidAuth}},
		{"missing_scope", fakeslack.Fault{Kind: fakeslack.ErrorCode, Code: "missing_scope"}, want{class: bots.Permanent}},
		{"edit_window_closed", fakeslack.Fault{Kind: fakeslack.ErrorCode, Code: "edit_window_closed"}, want{class: bots.Permanent}},
	} {
		for _, method := range []string{"chat.postMessage", "chat.update"} {
			t.Run(method+"/"+tc.name, func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					d := newDirect(t, false, fakeslack.Options{})
					s := d.sink(t.Context())
					id, err := s.Post(t.Context(), "first")
					if err != nil {
						t.Fatal(err)
					}
					d.fake.FailNext(method, 1, tc.fault)
					if method == "chat.postMessage" {
						_, err = s.Post(t.Context(), "second")
					} else {
						err = s.Edit(t.Context(), id, "second")
					}
					var de bots.DeliveryError
					if !errors.As(err, &de) {
						t.Fatalf("%v (%T) is not a bots.DeliveryError", err, err)
					}
					if got := bots.ClassOf(err); got != tc.want.class {
						t.Errorf("class %s, want %s (%v)", got, tc.want.class, err)
					}
					if tc.want.after > 0 && de.RetryAfter() != tc.want.after {
						t.Errorf("retry after %s, want %s", de.RetryAfter(), tc.want.after)
					}
					if tc.want.is != nil && !errors.Is(err, tc.want.is) {
						t.Errorf("%v is not %v", err, tc.want.is)
					}
					texts := joinBodies(d.fake.BotReplies("C0GENERAL", s.thread))
					took := texts == "first\nsecond" || texts == "second"
					if took != tc.want.took {
						t.Errorf("platform shows %q: the call took effect %v, want %v", texts, took, tc.want.took)
					}
					if d.fake.Faulted() != 1 {
						t.Errorf("%d faults served, want 1", d.fake.Faulted())
					}
				})
			})
		}
	}
}
