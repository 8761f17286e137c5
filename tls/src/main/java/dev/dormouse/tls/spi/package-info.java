/** The seam between the ACME worker and the ACME client module, which loads in a module layer of its own. */
package dev.dormouse.tls.spi;
