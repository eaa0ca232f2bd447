//go:build !linux

package main

// useHugePages does nothing outside Linux (see hugepages_linux.go).
func useHugePages([]string) {}
