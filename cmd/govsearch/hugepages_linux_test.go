package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The commands that load jieba restart themselves with glibc's malloc on
// transparent huge pages, in place (same pid); an operator's own setting
// of the tunable is kept; other commands are left alone.
func TestHugePagesRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	thp, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled")
	if err != nil || strings.Contains(string(thp), "[never]") {
		t.Skipf("the kernel has transparent huge pages off (%q, %v): useHugePages does nothing here by design", thp, err)
	}
	bin := buildBinary(t)
	ix := filepath.Join(t.TempDir(), "ix")
	src, err := filepath.Abs(replies)
	if err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(bin, "index", "-src", src, "-index", ix).CombinedOutput(); err != nil {
		t.Fatalf("index: %v\n%s", err, out)
	}
	// serve reports its environment and huge pages through /proc.
	serve := func(tunables string, set bool) (environ, smaps string) {
		t.Helper()
		cmd := exec.Command(bin, "serve", "-addr", "127.0.0.1:0", "-index", ix, "-watch", "0")
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, "GLIBC_TUNABLES=") {
				cmd.Env = append(cmd.Env, kv)
			}
		}
		if set {
			cmd.Env = append(cmd.Env, "GLIBC_TUNABLES="+tunables)
		}
		_, errc, _ := startServing(t, cmd) // the pid we started is the one serving
		defer func() {
			cmd.Process.Signal(os.Interrupt)
			<-errc
		}()
		pid := strconv.Itoa(cmd.Process.Pid)
		env, err := os.ReadFile("/proc/" + pid + "/environ")
		if err != nil {
			t.Fatal(err)
		}
		sm, err := os.ReadFile("/proc/" + pid + "/smaps_rollup")
		if err != nil {
			t.Fatal(err)
		}
		return strings.ReplaceAll(string(env), "\x00", "\n"), string(sm)
	}
	hugeKB := regexp.MustCompile(`(?m)^AnonHugePages:\s+(\d+) kB`)

	huge := func(smaps string) bool {
		m := hugeKB.FindStringSubmatch(smaps)
		return m != nil && m[1] != "0"
	}

	env, sm := serve("", false)
	if !strings.Contains("\n"+env, "\nGLIBC_TUNABLES=glibc.malloc.hugetlb=1\n") {
		t.Errorf("serve without GLIBC_TUNABLES: environment lacks the huge pages tunable:\n%s", env)
	}
	if !huge(sm) {
		t.Errorf("serve on huge pages: no anonymous huge pages in use:\n%s", sm)
	}
	// glibc parses the tunables in place (a ':' becomes a NUL), so the
	// operator's part is checked in the environment and the added one by
	// its effect.
	env, sm = serve("glibc.malloc.arena_max=2", true)
	if !strings.Contains("\n"+env, "\nGLIBC_TUNABLES=glibc.malloc.arena_max=2\n") || !huge(sm) {
		t.Errorf("an operator's other tunables must be kept and huge pages added:\n%s\n%s", env, sm)
	}
	env, sm = serve("glibc.malloc.hugetlb=0", true)
	if !strings.Contains("\n"+env, "\nGLIBC_TUNABLES=glibc.malloc.hugetlb=0\n") || strings.Contains(env, "hugetlb=1") {
		t.Errorf("an operator's hugetlb=0 must be left as it is:\n%s", env)
	}
	// With huge pages given only to memory that asks (madvise), nothing
	// else in the process uses them.
	if strings.Contains(string(thp), "[madvise]") && huge(sm) {
		t.Errorf("hugetlb=0: anonymous huge pages in use all the same:\n%s", sm)
	}
}
