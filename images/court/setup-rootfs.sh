#!/bin/bash
# Runs inside the image root (chroot) after the overlay is copied in.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

# The account the controller logs in with; become works without a password,
# as on the servers of most court IT units.
useradd --create-home --shell /bin/bash sopadmin
printf 'sopadmin ALL=(ALL) NOPASSWD: ALL\n' > /etc/sudoers.d/sopadmin
chmod 0440 /etc/sudoers.d/sopadmin

# PHP-FPM on a version-independent socket so the web server configs work on every Debian release.
sed -i 's|^listen = .*|listen = /run/php/php-fpm.sock|' /etc/php/*/fpm/pool.d/www.conf

rm -f /etc/nginx/sites-enabled/default
ln -sf /etc/nginx/sites-available/court /etc/nginx/sites-enabled/court
a2dissite -q 000-default
a2enmod -q ssl rewrite proxy_fcgi setenvif >/dev/null
phpconf=$(basename /etc/apache2/conf-available/php*-fpm.conf .conf)
a2enconf -q "$phpconf" >/dev/null
sed -i 's|SetHandler "proxy:unix:.*|SetHandler "proxy:unix:/run/php/php-fpm.sock\|fcgi://localhost"|' \
    "/etc/apache2/conf-available/$phpconf.conf"
a2ensite -q court >/dev/null
# The wordpress package's first dependency alternative brings mod_php (and the prefork MPM) with
# it; PHP runs in PHP-FPM on every court, so Apache keeps the event MPM without mod_php.
for module in /etc/apache2/mods-enabled/php*.load; do
    [ -e "$module" ] && a2dismod -q "$(basename "$module" .load)" >/dev/null
done
a2dismod -q mpm_prefork >/dev/null 2>&1 || true
a2enmod -q mpm_event >/dev/null
# WordPress's wp-content (Debian keeps it in /var/lib/wordpress): theme links and the uploads folder.
wp-setup --sync-wp-content >/dev/null
install -d -m 0755 -o www-data -g www-data /var/lib/wordpress/wp-content/uploads

chown -R root:root /var/www/court
chown -R www-data:www-data /var/www/court/uploads
systemctl enable pn-court-init.service >/dev/null 2>&1
# Present but off: the hardening roles decide whether they run.
systemctl disable fail2ban.service nftables.service >/dev/null 2>&1 || true
# Units that make no sense in a container.
systemctl mask systemd-udevd.service systemd-udev-trigger.service getty.target \
    console-getty.service systemd-logind.service >/dev/null 2>&1 || true

# Host keys are made per container at first boot.
rm -f /etc/ssh/ssh_host_*
# Smaller image: package caches and documentation are not needed on a test server.
apt-get clean
rm -rf /var/lib/apt/lists/* /usr/share/doc/* /usr/share/man/* /usr/share/locale/*
