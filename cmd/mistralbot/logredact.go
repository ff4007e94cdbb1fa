package main

import (
	"context"
	"fmt"
	"log/slog"

	"mistralbot/config"
)

// logRedactor is a slog.Handler that passes every message and attribute
// through a config.Redactor before the next handler writes it: errors from
// the platforms and the LLM quote URLs and echo keys, and no call site can
// be trusted to remember that (a Slack response_url in a network error, a
// provider echoing part of the API key).
type logRedactor struct {
	next slog.Handler
	r    *config.Redactor
}

func newLogRedactor(next slog.Handler, r *config.Redactor) *logRedactor {
	return &logRedactor{next: next, r: r}
}

func (h *logRedactor) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h *logRedactor) WithAttrs(as []slog.Attr) slog.Handler {
	out := make([]slog.Attr, len(as))
	for i, a := range as {
		out[i] = h.attr(a)
	}
	return &logRedactor{next: h.next.WithAttrs(out), r: h.r}
}

func (h *logRedactor) WithGroup(name string) slog.Handler {
	return &logRedactor{next: h.next.WithGroup(name), r: h.r}
}

func (h *logRedactor) Handle(ctx context.Context, rec slog.Record) error {
	out := slog.NewRecord(rec.Time, rec.Level, h.r.Redact(rec.Message), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

// attr redacts one attribute: strings, errors, Stringers and groups; any
// other value is redacted as its %v form only when that hides something,
// so numbers and lists keep their JSON types.
func (h *logRedactor) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, h.r.Redact(v.String()))
	case slog.KindGroup:
		g := v.Group()
		out := make([]any, len(g))
		for i, ga := range g {
			out[i] = h.attr(ga)
		}
		return slog.Group(a.Key, out...)
	case slog.KindAny:
		switch x := v.Any().(type) {
		case error:
			return slog.String(a.Key, h.r.Redact(x.Error()))
		case fmt.Stringer:
			return slog.String(a.Key, h.r.Redact(x.String()))
		default:
			s := fmt.Sprintf("%+v", x)
			if r := h.r.Redact(s); r != s {
				return slog.String(a.Key, r)
			}
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}
