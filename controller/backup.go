package controller

import (
	"net"
	"net/http"
	"time"
)

// backupPath is where a running controller hands out a consistent copy of
// its database: `controller -backup` fetches it there when the controller
// holds the file, and a cron job or a systemd timer may too.
const backupPath = "/backup/numerek.db"

// backupDownload is GET /backup/numerek.db: a consistent copy of the bbolt
// file, taken in one read transaction while the controller goes on
// writing. The file holds personal data, so only this machine (loopback)
// gets it; the pages and the LAN never do.
func (c *Controller) backupDownload(w http.ResponseWriter, r *http.Request) {
	lang := c.lang(w, r)
	ip := net.ParseIP(clientIP(r))
	if ip == nil || !ip.IsLoopback() {
		c.pages.Error(w, r, lang, http.StatusForbidden, pageTexts[pageLang(lang)]["backup.forbidden"])
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Disposition", `attachment; filename="numerek-`+c.clock.Now().Format("2006-01-02")+`.db"`)
	h.Set("Cache-Control", "no-store")
	start := time.Now()
	n, err := c.db.Backup(w)
	if err != nil {
		// The status is sent; a cut-off body is what the client sees. The
		// command checks that the copy opens.
		c.log.Error("backup", "err", err, "bytes", n)
		return
	}
	c.log.Info("backup taken", "bytes", n, "took", time.Since(start).Round(time.Millisecond))
}
