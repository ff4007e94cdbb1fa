package slack

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"strings"
	"unicode/utf8"

	slackgo "github.com/slack-go/slack"

	"mistralbot/bots"
)

// maxFilesPerMessage bounds the files read from one message.
const maxFilesPerMessage = 5

// textFiletypes are Slack filetypes (and file extensions) of text and code.
var textFiletypes = map[string]bool{
	"text": true, "txt": true, "md": true, "markdown": true, "csv": true, "tsv": true, "json": true,
	"yaml": true, "yml": true, "toml": true, "ini": true, "xml": true, "html": true, "css": true,
	"go": true, "py": true, "python": true, "js": true, "javascript": true, "ts": true, "typescript": true,
	"java": true, "kotlin": true, "kt": true, "c": true, "h": true, "cpp": true, "cc": true, "hpp": true,
	"csharp": true, "cs": true, "rust": true, "rs": true, "ruby": true, "rb": true, "php": true,
	"swift": true, "scala": true, "shell": true, "sh": true, "bash": true, "zsh": true, "sql": true,
	"diff": true, "patch": true, "dockerfile": true, "makefile": true, "perl": true, "pl": true,
	"lua": true, "r": true, "dart": true, "elixir": true, "ex": true, "erlang": true, "haskell": true,
	"hs": true, "clojure": true, "groovy": true, "powershell": true, "ps1": true, "vb": true,
	"log": true, "env": true, "proto": true, "graphql": true, "tf": true, "hcl": true, "jsx": true, "tsx": true,
	"vue": true, "svelte": true, "ocaml": true, "ml": true, "fsharp": true, "julia": true, "jl": true,
}

// isTextFile reports whether f holds text or code worth giving the model.
func isTextFile(f slackFile) bool {
	mt := strings.ToLower(f.Mimetype)
	switch {
	case strings.HasPrefix(mt, "text/"),
		mt == "application/json", mt == "application/xml", mt == "application/javascript",
		mt == "application/x-sh", mt == "application/x-yaml", mt == "application/sql":
		return true
	case f.Mode == "snippet":
		return true
	}
	if textFiletypes[strings.ToLower(f.Filetype)] {
		return true
	}
	ext := strings.TrimPrefix(strings.ToLower(path.Ext(f.Name)), ".")
	return ext != "" && textFiletypes[ext]
}

// attachments downloads the files of a message: text and code cut to
// AttachmentMaxBytes (with Truncated set), images and documents read by
// bots.ReadFile within Files. Files are cached by id, so a thread's files
// are fetched once. A file not read (too big, a type the bot does not
// read, a failed download) is a Refused attachment: the asker is told.
func (a *Adapter) attachments(ctx context.Context, files []slackFile) []bots.Attachment {
	var out []bots.Attachment
	for i, f := range files {
		if i >= maxFilesPerMessage {
			a.log.InfoContext(ctx, "more files than read per message; ignoring the rest", "files", len(files))
			break
		}
		if f.ID == "" {
			continue
		}
		v, _, _ := a.fetching.Do(f.ID, func() (any, error) { return a.attachment(ctx, f), nil })
		if att := v.(*bots.Attachment); att != nil {
			out = append(out, *att)
		}
	}
	return out
}

// attachment returns one file as an attachment, from the cache or
// fetched (files.info when the event lacks its URL).
func (a *Adapter) attachment(ctx context.Context, f slackFile) *bots.Attachment {
	if att, found := a.files.Get(f.ID); found {
		return &att
	}
	if att, found := a.images.Get(f.ID); found {
		return &att
	}
	if f.FileAccess == "check_file_info" || (f.URLPrivate == "" && f.URLPrivateDownload == "") {
		info, _, _, err := a.api.GetFileInfoContext(ctx, f.ID, 0, 0)
		if err != nil {
			a.log.WarnContext(ctx, "files.info failed; file skipped", "file", f.ID, "err", a.apiErr(ctx, "files.info", err, nil))
			att := bots.RefusedFile(fileName(f), bots.RefusedUnreadable)
			return &att
		}
		f = fromSlackFile(info)
	}
	att, cache := a.readFile(ctx, f)
	switch {
	case !cache:
	case att.Image != nil || att.Scan != nil || att.Audio != nil:
		// Big entries (an image, a scanned PDF kept for OCR, audio kept
		// for transcription) go to the small cache.
		a.images.Put(f.ID, att)
	default:
		a.files.Put(f.ID, att)
	}
	return &att
}

// readFile reads one file by its kind; cache is false after a failed
// download (it may work next time).
func (a *Adapter) readFile(ctx context.Context, f slackFile) (_ bots.Attachment, cache bool) {
	lim := a.fileLimits()
	switch {
	case isTextFile(f):
		att, err := a.download(ctx, f)
		if err != nil {
			a.log.WarnContext(ctx, "file download failed; file skipped", "file", f.ID, "name", f.Name, "err", err)
			return bots.RefusedFile(fileName(f), bots.RefusedUnreadable), false
		}
		return att, true
	case !bots.WantsBytes(f.Name, f.Mimetype) && !wantsAudio(f, lim):
		return bots.RefusedFile(fileName(f), bots.Unwanted(f.Name, f.Mimetype)), true
	case f.Size > lim.ImageMaxBytes:
		// Slack states the size: a 50 MB upload is refused unfetched.
		return bots.RefusedFile(fileName(f), bots.RefusedTooBig), true
	}
	data, over, err := a.fetch(ctx, f, lim.ImageMaxBytes)
	switch {
	case err != nil:
		a.log.WarnContext(ctx, "file download failed; file skipped", "file", f.ID, "name", f.Name, "err", err)
		return bots.RefusedFile(fileName(f), bots.RefusedUnreadable), false
	case over:
		return bots.RefusedFile(fileName(f), bots.RefusedTooBig), true
	}
	if wantsAudio(f, lim) {
		return bots.AudioFile(fileName(f), data, float64(f.DurationMs)/1000, lim), true
	}
	return bots.ReadFile(fileName(f), data, lim), true
}

// wantsAudio reports whether f is an audio clip to fetch: only when the
// Engine transcribes them (KeepAudio, bot.voice_notes).
func wantsAudio(f slackFile, lim bots.FileLimits) bool {
	return lim.KeepAudio && bots.IsAudio(f.Name, f.Mimetype)
}

// fileLimits are Options.Files with the text limit of attachments.
func (a *Adapter) fileLimits() bots.FileLimits {
	lim := a.opts.Files
	if lim.TextMaxBytes <= 0 {
		lim.TextMaxBytes = a.opts.AttachmentMaxBytes
	}
	return lim.WithDefaults()
}

// fileName is what the asker calls the file.
func fileName(f slackFile) string {
	if f.Name != "" {
		return f.Name
	}
	if f.Title != "" {
		return f.Title
	}
	return f.ID
}

func fromSlackFile(f *slackgo.File) slackFile {
	return slackFile{ID: f.ID, Name: f.Name, Title: f.Title, Mimetype: f.Mimetype, Filetype: f.Filetype,
		Mode: f.Mode, Size: f.Size, URLPrivate: f.URLPrivate, URLPrivateDownload: f.URLPrivateDownload,
		FileAccess: f.FileAccess, IsExternal: f.IsExternal, DurationMs: f.DurationMs}
}

func fromSlackFiles(files []slackgo.File) []slackFile {
	out := make([]slackFile, 0, len(files))
	for i := range files {
		out = append(out, fromSlackFile(&files[i]))
	}
	return out
}

// fetch downloads a file with the bot token, reading at most limit
// bytes (over is true when there was more). url_private needs
// "Authorization: Bearer <bot token>" with files:read; without access
// Slack answers with its HTML sign-in page instead of the file
// (https://gist.github.com/ErikKalkoken/f3ab28617d5099531ded865d111dbac1
// and its comments). The token is sent only to Slack's own
// hosts or the configured API host, never to an external file's URL.
func (a *Adapter) fetch(ctx context.Context, f slackFile, limit int) (data []byte, over bool, err error) {
	u := f.URLPrivateDownload
	if u == "" {
		u = f.URLPrivate
	}
	if f.IsExternal || !a.tokenHost(u) {
		return nil, false, fmt.Errorf("slack: file %s: refusing to send the token to %q", f.ID, hostOf(u))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, false, fmt.Errorf("slack: file %s: %w", f.ID, err)
	}
	req.Header.Set("Authorization", "Bearer "+a.opts.BotToken)
	resp, err := a.http.Do(req)
	if err != nil {
		return nil, false, fmt.Errorf("slack: download file %s: %w", f.ID, err)
	}
	defer resp.Body.Close()
	// An HTML sign-in page is not the file.
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != req.URL.Path {
		return nil, false, fmt.Errorf("slack: download file %s: status %d at %s (the bot may lack files:read)", f.ID, resp.StatusCode, resp.Request.URL.Path)
	}
	data, err = io.ReadAll(io.LimitReader(resp.Body, int64(limit)+1))
	if err != nil {
		return nil, false, fmt.Errorf("slack: download file %s: %w", f.ID, err)
	}
	if len(data) > limit {
		return data[:limit], true, nil
	}
	return data, false, nil
}

// download fetches a text file, cut to AttachmentMaxBytes.
func (a *Adapter) download(ctx context.Context, f slackFile) (bots.Attachment, error) {
	data, truncated, err := a.fetch(ctx, f, a.opts.AttachmentMaxBytes)
	if err != nil {
		return bots.Attachment{}, err
	}
	if truncated {
		if i := lastRuneStart(data); i < len(data) && !utf8.FullRune(data[i:]) {
			data = data[:i] // do not cut a character in two
		}
	}
	if bytes.IndexByte(data, 0) >= 0 {
		return bots.Attachment{}, fmt.Errorf("slack: file %s is binary", f.ID)
	}
	return bots.Attachment{Name: fileName(f), Text: strings.ToValidUTF8(string(data), "\uFFFD"), Truncated: truncated}, nil
}

func lastRuneStart(b []byte) int {
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			return i
		}
	}
	return len(b)
}

// tokenHost reports whether u is on a host that may receive the bot token:
// https on slack.com or slack-gov.com (and subdomains), or the API host.
func (a *Adapter) tokenHost(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return false
	}
	if api, err := url.Parse(a.opts.APIURL); err == nil && strings.EqualFold(api.Host, u.Host) && api.Scheme == u.Scheme {
		return true
	}
	h := strings.ToLower(u.Hostname())
	return u.Scheme == "https" && (h == "slack.com" || strings.HasSuffix(h, ".slack.com") ||
		h == "slack-gov.com" || strings.HasSuffix(h, ".slack-gov.com"))
}

func hostOf(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Host
	}
	return "?"
}
