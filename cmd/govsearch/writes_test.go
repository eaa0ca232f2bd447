package main

import (
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/govsearch/govsearch/api"
	"github.com/govsearch/govsearch/index"
)

// fillDisk writes a file in dir until the disk is full, and returns it.
func fillDisk(t *testing.T, dir string) string {
	t.Helper()
	f, err := os.CreateTemp(dir, "fill-")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 64<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatal(err)
			}
			return f.Name()
		}
	}
}

// adminSend sends an admin request to a running server through the
// contract, and returns its status and error code ("" for none).
func adminSend(t *testing.T, method, u, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer s3cret")
	resp, err := checkedClient(t).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	var e struct {
		Error struct{ Code string } `json:"error"`
	}
	json.NewDecoder(resp.Body).Decode(&e)
	return resp.StatusCode, e.Error.Code
}

// A write is acknowledged only when it is durable. On a full disk (a
// tmpfs the index fills) PUT and DELETE answer 507 and change nothing,
// then and after a restart; acknowledged ones survive a restart, full and
// incremental `govsearch index` runs and both kinds of POST
// /v1/admin/reindex, and are listed by index -status and /v1/stats, until
// the source file changes.
func TestWritesDurable(t *testing.T) {
	// 4 MB holds the index of the replies (about 650 KB) three times over,
	// as a build beside the served and the previous generation needs,
	// and not a 4 MB document.
	mnt := mountTmpfs(t, "4m", "the refusal on a full disk is tested in package index, if at all")
	src := copyReplies(t)
	dir := filepath.Join(mnt, "index")
	runOK(t, "index", "-src", src, "-index", dir)
	opts := api.Options{AdminToken: "s3cret", Build: index.BuildOptions{Source: src}}
	srv, base := serveIndex(t, dir, opts)
	restart := func() {
		t.Helper()
		if err := srv.Shutdown(t.Context()); err != nil {
			t.Fatal(err)
		}
		srv, base = serveIndex(t, dir, opts)
	}
	const (
		added      = "new/reply-1"
		replaced   = "reply-miit-2020-2524"
		deleted    = "guoban/govcn-5345413"
		tooBig     = "new/too-big"
		refused    = "new/refused"
		newTitle   = "关于钛合金材料的答复"
		otherTitle = "改过的标题"
	)
	doc := func(title string) string {
		return "---\ntitle: " + title + "\n---\n\n一、关于钛合金\n\n钛合金产业链。\n"
	}
	path := func(id string) string { return base + "/v1/documents/" + strings.ReplaceAll(id, "/", "%2F") }
	titleOf := func(id string) string {
		t.Helper()
		status, body := getJSON(t, path(id))
		if status == http.StatusNotFound {
			return ""
		}
		if status != http.StatusOK {
			t.Fatalf("GET %s: %d %v", id, status, body)
		}
		return body["title"].(string)
	}
	refusedStill := func(when string) {
		t.Helper()
		for _, id := range []string{tooBig, refused} {
			if got := titleOf(id); got != "" {
				t.Errorf("%s: the refused %s is served (%q)", when, id, got)
			}
		}
	}

	// A 4 MB document finds no room for its journal entry; with the disk
	// full, neither does a small one, nor a deletion.
	big := doc("大文件") + strings.Repeat("钛合金产业链的答复，内容很长。\n\n", 4<<20/45)
	if status, code := adminSend(t, "PUT", path(tooBig), big); status != http.StatusInsufficientStorage || code != "insufficient_storage" {
		t.Errorf("PUT of 4 MB on a nearly full disk: %d %s", status, code)
	}
	fill := fillDisk(t, mnt)
	if status, code := adminSend(t, "PUT", path(refused), doc("满盘")); status != http.StatusInsufficientStorage || code != "insufficient_storage" {
		t.Errorf("PUT on a full disk: %d %s", status, code)
	}
	if status, code := adminSend(t, "DELETE", path(deleted), ""); status != http.StatusInsufficientStorage || code != "insufficient_storage" {
		t.Errorf("DELETE on a full disk: %d %s", status, code)
	}
	deletedTitle := titleOf(deleted)
	if deletedTitle == "" {
		t.Errorf("the document whose deletion was refused is not served")
	}
	refusedStill("on the full disk")
	restart()
	refusedStill("after a restart on the full disk")
	if titleOf(deleted) != deletedTitle {
		t.Errorf("after a restart on the full disk the document whose deletion was refused is not served")
	}
	if err := os.Remove(fill); err != nil {
		t.Fatal(err)
	}

	// Acknowledged writes.
	for _, w := range []struct{ method, id, body string }{
		{"PUT", added, doc(newTitle)}, {"PUT", replaced, doc(otherTitle)}, {"DELETE", deleted, ""},
	} {
		if status, code := adminSend(t, w.method, path(w.id), w.body); status/100 != 2 {
			t.Fatalf("%s %s: %d %s", w.method, w.id, status, code)
		}
	}
	sourceTitle := ""
	check := func(when string) {
		t.Helper()
		if got := titleOf(added); got != newTitle {
			t.Errorf("%s: %s is titled %q", when, added, got)
		}
		if got := titleOf(replaced); got != otherTitle {
			t.Errorf("%s: %s is titled %q", when, replaced, got)
		}
		if got := titleOf(deleted); got != "" {
			t.Errorf("%s: the deleted %s is served (%q)", when, deleted, got)
		}
		refusedStill(when)
	}
	check("after the writes")
	restart()
	check("after a restart")

	status := runOK(t, "index", "-status", "-index", dir)
	for _, want := range []string{"pending writes: 3 ", "put " + added + " (", "put " + replaced + " (", "delete " + deleted + " ("} {
		if !strings.Contains(status, want) {
			t.Errorf("index -status lacks %q:\n%s", want, status)
		}
	}
	code, st := getJSON(t, base+"/v1/stats")
	if listed, _ := st["writes"].([]any); code != 200 || st["pending_writes"] != 3.0 || len(listed) != 3 || listed[0].(map[string]any)["doc_id"] != deleted {
		t.Errorf("stats: %d %v", code, st)
	}

	out := runOK(t, "index", "-src", src, "-index", dir)
	if !strings.Contains(out, "write journal: 3 writes applied over the source tree") {
		t.Errorf("index summary:\n%s", out)
	}
	if swapped, err := srv.ix.Reload(); !swapped || err != nil {
		t.Fatalf("reload after index: %v, %v", swapped, err)
	}
	check("after govsearch index")
	if status := runOK(t, "index", "-status", "-index", dir); !strings.Contains(status, "applied from the write journal: 2 puts (indexed instead of their source files), 1 deletions") ||
		!strings.Contains(status, "documents: 12,") {
		t.Errorf("index -status after a build:\n%s", status)
	}

	appendFile(t, filepath.Join(src, "guoban", "govcn-5351573.md"), "\n附：已公开。\n")
	runOK(t, "index", "-src", src, "-index", dir, "-incremental")
	if swapped, err := srv.ix.Reload(); !swapped || err != nil {
		t.Fatalf("reload after index -incremental: %v, %v", swapped, err)
	}
	check("after govsearch index -incremental")

	reindex := func(mode string) {
		t.Helper()
		before := srv.ix.Path()
		if status, code := adminSend(t, "POST", base+"/v1/admin/reindex?mode="+mode, ""); status != http.StatusAccepted {
			t.Fatalf("POST reindex %s: %d %s", mode, status, code)
		}
		for deadline := time.Now().Add(time.Minute); srv.ix.Rebuild().State == "running"; time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("reindex %s still running", mode)
			}
		}
		if st := srv.ix.Rebuild(); st.State != "done" || srv.ix.Path() == before {
			t.Fatalf("reindex %s: %+v, serving %s", mode, st, srv.ix.Path())
		}
	}
	reindex("full")
	check("after POST /v1/admin/reindex")
	appendFile(t, filepath.Join(src, "guoban", "govcn-5351573.md"), "\n附：再次公开。\n")
	reindex("incremental")
	check("after POST /v1/admin/reindex?mode=incremental")

	// The source changes the replaced document: its file is served again,
	// and its write leaves the journal.
	appendFile(t, filepath.Join(src, replaced+".md"), "\n附：本答复已更新。\n")
	out = runOK(t, "index", "-src", src, "-index", dir, "-incremental")
	if !strings.Contains(out, "put "+replaced+": its source file changed after the write") {
		t.Errorf("index -incremental after the source changed:\n%s", out)
	}
	if _, err := srv.ix.Reload(); err != nil {
		t.Fatal(err)
	}
	if sourceTitle = titleOf(replaced); sourceTitle == otherTitle || sourceTitle == "" {
		t.Errorf("after the source changed %s is titled %q", replaced, sourceTitle)
	}
	if got := titleOf(added); got != newTitle {
		t.Errorf("after the source changed another document, %s is titled %q", added, got)
	}
	if status := runOK(t, "index", "-status", "-index", dir); !strings.Contains(status, "pending writes: 2 ") || strings.Contains(status, replaced) {
		t.Errorf("index -status after the source changed:\n%s", status)
	}
}

func appendFile(t *testing.T, path, text string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(text); err != nil {
		t.Fatal(err)
	}
}
