// trivy-test-db writes a tiny Trivy vulnerability database (schema 2) from a JSON spec, so the
// contract tests can run the scan stage's argv through real vulnerability matching without
// downloading Trivy's database (there is no network for it in CI's contract job or here).
//
// Usage: trivy-test-db <cache-dir> < spec.json
// Writes <cache-dir>/db/trivy.db and <cache-dir>/db/metadata.json; the scan then runs with
// --cache-dir <cache-dir> --skip-db-update.
//
// spec.json: {"platform": "debian 13", "source": {"ID": "debian", "Name": "Debian Security Tracker", "URL": "..."},
//
//	"advisories": [{"package": "zlib1g", "id": "CVE-...", "fixedVersion": "1.2.3-1"}],
//	"vulnerabilities": {"CVE-...": {"Title": "...", "Severity": "HIGH"}}}
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
)

type advisory struct {
	Package      string `json:"package"`
	ID           string `json:"id"`
	FixedVersion string `json:"fixedVersion"`
}

type spec struct {
	Platform        string                     `json:"platform"`
	Source          map[string]string          `json:"source"`
	Advisories      []advisory                 `json:"advisories"`
	Vulnerabilities map[string]json.RawMessage `json:"vulnerabilities"`
}

func put(tx *bolt.Tx, path []string, key string, value any) error {
	b, err := tx.CreateBucketIfNotExists([]byte(path[0]))
	if err != nil {
		return err
	}
	for _, p := range path[1:] {
		if b, err = b.CreateBucketIfNotExists([]byte(p)); err != nil {
			return err
		}
	}
	v, err := json.Marshal(value)
	if err != nil {
		return err
	}
	return b.Put([]byte(key), v)
}

func run(cacheDir string) error {
	var s spec
	if err := json.NewDecoder(os.Stdin).Decode(&s); err != nil {
		return fmt.Errorf("spec: %w", err)
	}
	dir := filepath.Join(cacheDir, "db")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	db, err := bolt.Open(filepath.Join(dir, "trivy.db"), 0o644, nil)
	if err != nil {
		return err
	}
	defer db.Close()
	err = db.Update(func(tx *bolt.Tx) error {
		if err := put(tx, []string{"data-source"}, s.Platform, s.Source); err != nil {
			return err
		}
		for _, a := range s.Advisories {
			fix := map[string]string{}
			if a.FixedVersion != "" {
				fix["FixedVersion"] = a.FixedVersion
			}
			if err := put(tx, []string{s.Platform, a.Package}, a.ID, fix); err != nil {
				return err
			}
		}
		for id, v := range s.Vulnerabilities {
			if err := put(tx, []string{"vulnerability"}, id, v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	meta, _ := json.Marshal(map[string]any{"Version": 2, "NextUpdate": now.Add(24 * time.Hour), "UpdatedAt": now, "DownloadedAt": now})
	return os.WriteFile(filepath.Join(dir, "metadata.json"), meta, 0o644)
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: trivy-test-db <cache-dir> < spec.json")
		os.Exit(2)
	}
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "trivy-test-db:", err)
		os.Exit(1)
	}
}
