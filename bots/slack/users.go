package slack

import (
	"context"
	"regexp"
	"strings"
	"time"

	"mistralbot/internal/cache"
)

// userInfo is what the adapter keeps of a workspace member.
type userInfo struct {
	Name   string
	Locale string
	Admin  bool
	Bot    bool
}

// userCache resolves user ids to display names through users.info, cached
// (bounded, with a TTL) so that a busy thread costs one lookup per person.
type userCache struct {
	a     *Adapter
	known *cache.Cache[string, userInfo]
}

func newUserCache(a *Adapter, max int, ttl time.Duration) *userCache {
	return &userCache{a: a, known: cache.New[string, userInfo](max, ttl, a.now)}
}

// info returns the member's display name (profile display name, else real
// name, else user name), locale and admin flag. When users.info fails the
// id stands in for the name; only definitive answers are cached.
func (u *userCache) info(ctx context.Context, id string) userInfo {
	if id == "" {
		return userInfo{}
	}
	if v, found := u.known.Get(id); found {
		return v
	}
	res, err := u.a.api.GetUserInfoContext(ctx, id)
	if err != nil {
		err = u.a.apiErr(ctx, "users.info", err, nil)
		u.a.log.DebugContext(ctx, "users.info failed; using the id as name", "user", id, "err", err)
		if errorCode(err) == "user_not_found" {
			u.known.Put(id, userInfo{Name: id})
		}
		return userInfo{Name: id}
	}
	v := userInfo{Locale: res.Locale, Admin: res.IsAdmin || res.IsOwner, Bot: res.IsBot}
	for _, n := range []string{res.Profile.DisplayName, res.Profile.RealName, res.RealName, res.Name, id} {
		if strings.TrimSpace(n) != "" {
			v.Name = strings.TrimSpace(n)
			break
		}
	}
	u.known.Put(id, v)
	return v
}

// maxNameLookups bounds the users.info calls made to render one message's
// mentions; further mentions keep their id.
const maxNameLookups = 8

var (
	userRefRe = regexp.MustCompile(`<@([UW][A-Z0-9]+)(?:\|([^>]*))?>`)
	chanRefRe = regexp.MustCompile(`<#([CGD][A-Z0-9]+)(?:\|([^>]*))?>`)
	specialRe = regexp.MustCompile(`<!([a-z]+)(?:\^([^|>]*))?[^|>]*(?:\|([^>]*))?>`)
	linkRe    = regexp.MustCompile(`<((?:https?|mailto|ftp|tel|slack):[^|>]*)(?:\|([^>]*))?>`)
)

var unescaper = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")

// plainText turns Slack message text (escaped, with <@U..>, <#C..|name>,
// <!here>, <url|label> tokens) into the plain text the model reads: the
// bot's own mention removed, other users as @Name, channels as #name,
// links as "label (url)", entities decoded.
func (a *Adapter) plainText(ctx context.Context, text string) string {
	lookups := 0
	text = userRefRe.ReplaceAllStringFunc(text, func(m string) string {
		sub := userRefRe.FindStringSubmatch(m)
		if sub[1] == a.botUserID {
			return ""
		}
		if sub[2] != "" {
			return "@" + sub[2]
		}
		if lookups >= maxNameLookups {
			return "@" + sub[1]
		}
		lookups++
		return "@" + a.users.info(ctx, sub[1]).Name
	})
	text = chanRefRe.ReplaceAllStringFunc(text, func(m string) string {
		sub := chanRefRe.FindStringSubmatch(m)
		if sub[2] != "" {
			return "#" + sub[2]
		}
		return "#" + sub[1]
	})
	text = specialRe.ReplaceAllStringFunc(text, func(m string) string {
		sub := specialRe.FindStringSubmatch(m)
		switch {
		case sub[3] != "":
			return sub[3]
		case sub[1] == "subteam":
			return "@" + sub[2]
		default:
			return "@" + sub[1]
		}
	})
	text = linkRe.ReplaceAllStringFunc(text, func(m string) string {
		sub := linkRe.FindStringSubmatch(m)
		url, label := sub[1], sub[2]
		switch {
		case label == "" || label == url:
			return url
		case strings.HasPrefix(url, "mailto:"):
			return label
		default:
			return label + " (" + url + ")"
		}
	})
	return strings.TrimSpace(unescaper.Replace(text))
}
