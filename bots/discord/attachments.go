package discord

import (
	"context"
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
// refers to the same files again and again.
type attachmentCache struct{ m *ttlMap[bots.Attachment] }

func newAttachmentCache() *attachmentCache {
	return &attachmentCache{m: newTTLMap[bots.Attachment](time.Hour, 256, time.Now)}
}

// attachments fetches the text and code files of a message, each cut to
// AttachmentMaxBytes (then Truncated). Binary files are skipped; a failed
// download is logged and skipped: the question is answered without it.
func (a *Adapter) attachments(ctx context.Context, list []*discordgo.MessageAttachment) []bots.Attachment {
	var out []bots.Attachment
	for _, att := range list {
		if len(out) == maxAttachments {
			break
		}
		if att == nil || att.URL == "" || !isText(att) {
			continue
		}
		if got, ok := a.atts.m.get(att.ID + "\x00" + att.URL); ok {
			out = append(out, got)
			continue
		}
		got, err := a.fetchAttachment(ctx, att)
		if err != nil {
			a.log.Warn("discord: attachment not read", "file", att.Filename, "err", err)
			continue
		}
		a.atts.m.put(att.ID+"\x00"+att.URL, got)
		out = append(out, got)
	}
	return out
}

func (a *Adapter) fetchAttachment(ctx context.Context, att *discordgo.MessageAttachment) (bots.Attachment, error) {
	if !strings.HasPrefix(att.URL, "https://") && !strings.HasPrefix(att.URL, "http://") {
		return bots.Attachment{}, fmt.Errorf("discord: attachment %s: unsupported URL scheme", att.Filename)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, att.URL, nil)
	if err != nil {
		return bots.Attachment{}, fmt.Errorf("discord: attachment %s: %w", att.Filename, err)
	}
	resp, err := a.http.Do(req)
	if err != nil {
		// The URL is signed; keep it out of logs.
		return bots.Attachment{}, fmt.Errorf("discord: download attachment %s failed", att.Filename)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return bots.Attachment{}, fmt.Errorf("discord: download attachment %s: HTTP %d", att.Filename, resp.StatusCode)
	}
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
