/**
 * The {@code demo} command ({@link dev.ampoule.client.demo.Demo}): a scripted care-team
 * conversation through a running relay, with development tokens minted from the relay's
 * development key ({@link dev.ampoule.client.demo.DevTokens}).
 */
package dev.ampoule.client.demo;
