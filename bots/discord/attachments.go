package discord

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
	"unicode/utf8"

	discordgo "github.com/bwmarrin/discordgo"

	"mistralbot/bots"
	"mistralbot/internal/cache"
)

// maxAttachments bounds the files read from one message.
const maxAttachments = 5

// textTypes are non-text/* content types that hold text or code.
var textTypes = map[string]bool{
	"application/json": true, "application/xml": true, "application/javascript": true,
	"application/x-javascript": true, "application/typescript": true, "application/x-sh": true,
	"application/x-yaml": true, "application/yaml": true, "application/toml": true, "application/sql": true,
	"application/x-python": true, "application/x-httpd-php": true, "application/graphql": true,
	"application/x-perl": true, "application/x-ruby": true,
}

// codeExts are file extensions read as text whatever their content type.
var codeExts = map[string]bool{
	".txt": true, ".md": true, ".go": true, ".py": true, ".js": true, ".ts": true, ".tsx": true, ".jsx": true,
	".java": true, ".kt": true, ".c": true, ".h": true, ".cpp": true, ".hpp": true, ".cc": true, ".cs": true,
	".rs": true, ".rb": true, ".php": true, ".swift": true, ".scala": true, ".sh": true, ".bash": true,
	".zsh": true, ".ps1": true, ".sql": true, ".json": true, ".yaml": true, ".yml": true, ".toml": true,
	".ini": true, ".cfg": true, ".conf": true, ".xml": true, ".html": true, ".css": true, ".scss": true,
	".lua": true, ".pl": true, ".r": true, ".dart": true, ".ex": true, ".exs": true, ".erl": true, ".hs": true,
	".ml": true, ".clj": true, ".vue": true, ".svelte": true, ".tf": true, ".proto": true, ".graphql": true,
	".dockerfile": true, ".mk": true, ".gradle": true, ".csv": true, ".log": true, ".diff": true, ".patch": true,
}

// isText reports whether an attachment is worth reading as text.
func isText(att *discordgo.MessageAttachment) bool {
	ct, _, _ := mime.ParseMediaType(att.ContentType)
	if strings.HasPrefix(ct, "text/") || textTypes[ct] {
		return true
	}
	name := strings.ToLower(att.Filename)
	if name == "dockerfile" || name == "makefile" {
		return true
	}
	return codeExts[path.Ext(name)]
}

// attachmentCache keeps fetched attachments by id: a thread's history
// refers to the same files again and again. Images (a data: URL of up to
// about a megabyte each) get a smaller cache than text. Failed downloads
// are not cached: an expired CDN URL is fetched again with the fresh one
// the next History call brings.
type attachmentCache struct {
	m, images *cache.Cache[string, bots.Attachment]
}

func newAttachmentCache() *attachmentCache {
	return &attachmentCache{
		m:      cache.New[string, bots.Attachment](256, time.Hour, time.Now),
		images: cache.New[string, bots.Attachment](32, time.Hour, time.Now),
	}
}

// attachments fetches the files of a message: text and code cut to
// AttachmentMaxBytes (then Truncated), images and documents read by
// bots.ReadFile within Files. A file that is not read (too big, of a type
// the bot does not read, or whose download failed) is a Refused
// attachment, so the asker hears which file and why.
func (a *Adapter) attachments(ctx context.Context, list []*discordgo.MessageAttachment) []bots.Attachment {
	var out []bots.Attachment
	for _, att := range list {
		if len(out) == maxAttachments {
			break
		}
		if att == nil || att.URL == "" {
			continue
		}
		key := att.ID + "\x00" + att.URL
		if got, ok := a.atts.m.Get(key); ok {
			out = append(out, got)
			continue
		}
		if got, ok := a.atts.images.Get(key); ok {
			out = append(out, got)
			continue
		}
		got, cache := a.readAttachment(ctx, att)
		switch {
		case !cache:
		case got.Image != nil || got.Scan != nil || got.Audio != nil:
			// Big entries (an image, a scanned PDF kept for OCR, audio
			// kept for transcription) go to the small cache.
			a.atts.images.Put(key, got)
		default:
			a.atts.m.Put(key, got)
		}
		out = append(out, got)
	}
	return out
}

// readAttachment reads one file; cache is false for a failed download.
func (a *Adapter) readAttachment(ctx context.Context, att *discordgo.MessageAttachment) (_ bots.Attachment, cache bool) {
	lim := a.fileLimits()
	switch {
	case isText(att):
		got, err := a.fetchAttachment(ctx, att)
		if err != nil {
			a.log.Warn("discord: attachment not read", "file", att.Filename, "err", err)
			return bots.RefusedFile(att.Filename, bots.RefusedUnreadable), false
		}
		return got, true
	case !bots.WantsBytes(att.Filename, att.ContentType) && !wantsAudio(att, lim):
		return bots.RefusedFile(att.Filename, bots.Unwanted(att.Filename, att.ContentType)), true
	case att.Size > lim.ImageMaxBytes:
		// Discord states the size: a 50 MB file is refused unfetched.
		return bots.RefusedFile(att.Filename, bots.RefusedTooBig), true
	}
	data, err := a.download(ctx, att, lim.ImageMaxBytes)
	if errors.Is(err, errTooBig) {
		return bots.RefusedFile(att.Filename, bots.RefusedTooBig), true
	}
	if err != nil {
		a.log.Warn("discord: attachment not read", "file", att.Filename, "err", err)
		return bots.RefusedFile(att.Filename, bots.RefusedUnreadable), false
	}
	if wantsAudio(att, lim) {
		// duration_secs: a voice message's length
		// (https://discord.com/developers/docs/resources/message#voice-messages).
		return bots.AudioFile(att.Filename, data, att.DurationSecs, lim), true
	}
	return bots.ReadFile(att.Filename, data, lim), true
}

// wantsAudio reports whether att is a voice message or audio file to
// fetch: only when the Engine transcribes them (KeepAudio,
// bot.voice_notes).
func wantsAudio(att *discordgo.MessageAttachment, lim bots.FileLimits) bool {
	return lim.KeepAudio && bots.IsAudio(att.Filename, att.ContentType)
}

// fileLimits are Options.Files with the text limit of attachments.
func (a *Adapter) fileLimits() bots.FileLimits {
	lim := a.opts.Files
	if lim.TextMaxBytes <= 0 {
		lim.TextMaxBytes = a.opts.AttachmentMaxBytes
	}
	return lim.WithDefaults()
}

// errTooBig is a download cut at its limit.
var errTooBig = errors.New("file over the size limit")

// download fetches an attachment's bytes, at most limit (errTooBig past
// it, whatever the stated size said). Attachment URLs are Discord's CDN
// URLs as the event gave them: signed with ex/is/hm parameters, they
// expire (about 24 h) and then answer 404 "This content is no longer
// available." (useapi/discord-cdn-proxy README); the bot sends no token
// to them.
func (a *Adapter) download(ctx context.Context, att *discordgo.MessageAttachment, limit int) ([]byte, error) {
	resp, err := a.get(ctx, att)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, int64(limit)+1))
	if err != nil {
		return nil, fmt.Errorf("discord: read attachment %s: %w", att.Filename, err)
	}
	if len(data) > limit {
		return nil, errTooBig
	}
	return data, nil
}

// get requests an attachment URL and checks the answer is the file.
func (a *Adapter) get(ctx context.Context, att *discordgo.MessageAttachment) (*http.Response, error) {
	if !strings.HasPrefix(att.URL, "https://") && !strings.HasPrefix(att.URL, "http://") {
		return nil, fmt.Errorf("discord: attachment %s: unsupported URL scheme", att.Filename)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, att.URL, nil)
	if err != nil {
		return nil, fmt.Errorf("discord: attachment %s: %w", att.Filename, err)
	}
	resp, err := a.http.Do(req)
	if err != nil {
		// The URL is signed; keep it out of logs.
		return nil, fmt.Errorf("discord: download attachment %s failed", att.Filename)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("discord: download attachment %s: HTTP %d (an expired CDN link answers 404)", att.Filename, resp.StatusCode)
	}
	return resp, nil
}

func (a *Adapter) fetchAttachment(ctx context.Context, att *discordgo.MessageAttachment) (bots.Attachment, error) {
	resp, err := a.get(ctx, att)
	if err != nil {
		return bots.Attachment{}, err
	}
	defer resp.Body.Close()
	max := a.opts.AttachmentMaxBytes
	body, err := io.ReadAll(io.LimitReader(resp.Body, int64(max)+1))
	if err != nil {
		return bots.Attachment{}, fmt.Errorf("discord: read attachment %s: %w", att.Filename, err)
	}
	truncated := len(body) > max
	if truncated {
		body = body[:max]
		// Do not cut a character in half.
		for i := 0; i < utf8.UTFMax-1 && len(body) > 0; i++ {
			if r, size := utf8.DecodeLastRune(body); r != utf8.RuneError || size > 1 {
				break
			}
			body = body[:len(body)-1]
		}
	}
	if !utf8.Valid(body) {
		return bots.Attachment{}, fmt.Errorf("discord: attachment %s is not UTF-8 text", att.Filename)
	}
	return bots.Attachment{Name: att.Filename, Text: string(body), Truncated: truncated}, nil
}
